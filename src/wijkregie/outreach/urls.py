from django.urls import path

from wijkregie.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/walk/", views.round_walk, name="round_walk"),
    path("rounds/<int:pk>/follow-up/", views.round_follow_up, name="round_follow_up"),
    path("rounds/<int:pk>/complete/", views.round_complete, name="round_complete"),
    path("evenings/", views.evening_list, name="evening_list"),
    path("evenings/new/", views.evening_create, name="evening_create"),
    path("evenings/<int:pk>/", views.evening_detail, name="evening_detail"),
    path("evenings/<int:pk>/record/", views.evening_record, name="evening_record"),
    path("evenings/<int:pk>/invitations/", views.evening_invitations, name="evening_invitations"),
    path(
        "evenings/<int:pk>/inputs/<int:input_id>/report/",
        views.input_report,
        name="input_report",
    ),
    path(
        "evenings/<int:pk>/inputs/<int:input_id>/action/",
        views.input_action,
        name="input_action",
    ),
]
