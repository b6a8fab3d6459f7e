from django.urls import path

from wijkregie.core import privacy_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("privacy/", privacy_views.privacy_index, name="privacy"),
    path(
        "privacy/<str:subject_type>/<int:subject_id>/",
        privacy_views.privacy_subject,
        name="privacy_subject",
    ),
    path(
        "privacy/<str:subject_type>/<int:subject_id>/export.<str:export_format>",
        privacy_views.privacy_export,
        name="privacy_export",
    ),
]
