from django.urls import path

from wijkregie.places import views

app_name = "places"

urlpatterns = [
    path("", views.building_list, name="building_list"),
    path("<int:pk>/", views.building_detail, name="building_detail"),
    path("<int:pk>/qr.svg", views.building_qr, name="building_qr"),
    path("<int:pk>/units/import/", views.units_import, name="units_import"),
    path(
        "<int:pk>/units/import/example.csv",
        views.units_import_example,
        name="units_import_example",
    ),
    path("imports/<int:pk>/", views.import_job_detail, name="import_job"),
    path("imports/<int:pk>/progress/", views.import_job_progress, name="import_job_progress"),
]
