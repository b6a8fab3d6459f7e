from django.urls import path

from wijkregie.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("observation/", views.observation, name="observation"),
    path("texts/", views.standard_texts, name="standard_texts"),
    path("texts/<int:pk>/", views.standard_text_edit, name="standard_text_edit"),
    path("buildings/", views.building_suggest, name="building_suggest"),
    path("views/", views.filter_save, name="filter_save"),
    path("views/<int:filter_id>/delete/", views.filter_delete, name="filter_delete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("<int:pk>/status/text/", views.resident_text, name="resident_text"),
    path("<int:pk>/forward/", views.forward, name="forward"),
    path("<int:pk>/category/", views.category_change, name="category"),
    path("<int:pk>/message/", views.message, name="message"),
    path("<int:pk>/contact/", views.contact_link, name="contact_link"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/duplicate/", views.duplicate, name="duplicate"),
    path("<int:pk>/duplicate/remove/", views.duplicate_remove, name="duplicate_remove"),
    path("<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
]
