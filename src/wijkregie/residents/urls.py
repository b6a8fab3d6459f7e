from django.urls import path

from wijkregie.residents import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_index, name="index"),
    path("buildings/<int:building_id>/", views.resident_building_list, name="building"),
    path("<int:resident_id>/", views.resident_detail, name="detail"),
    path(
        "<int:resident_id>/contact-moments/",
        views.contact_moment_create,
        name="contact_moment_create",
    ),
    path("<int:resident_id>/consents/", views.consent_record, name="consent_record"),
    path("import/", views.resident_import, name="import"),
    path("import/example.csv", views.resident_import_example, name="import_example"),
    path("import/<int:job_id>/", views.resident_import_job, name="import_job"),
    path("import/<int:job_id>/progress/", views.resident_import_progress, name="import_progress"),
]
