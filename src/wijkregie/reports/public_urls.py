"""The resident pages, included at /melden/ (the building's QR code points here)."""

from django.urls import path

from wijkregie.reports.public import follow_up, views

app_name = "reports_public"

urlpatterns = [
    path("", views.start, name="start"),
    path("volgen/", follow_up.follow_up, name="follow_up"),
    path("volgen/melding/", follow_up.follow_up_report, name="follow_up_report"),
    path("volgen/sluiten/", follow_up.follow_up_leave, name="follow_up_leave"),
    path("volgen/link/<str:token>/", follow_up.follow_up_link, name="follow_up_link"),
    path("ontvangen/<str:token>/", views.receipt, name="receipt"),
    path("<str:code>/", views.building, name="building"),
    path("<str:code>/melding/", views.report, name="report"),
    path("<str:code>/contact/", views.contact, name="contact"),
]
