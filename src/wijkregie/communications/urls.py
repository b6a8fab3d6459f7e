from django.urls import path

from wijkregie.communications.views import newsletters

app_name = "communications"

urlpatterns = [
    path("newsletters/", newsletters.newsletter_list, name="newsletter_list"),
    path("newsletters/new/", newsletters.newsletter_create, name="newsletter_create"),
    path("newsletters/<int:pk>/", newsletters.newsletter_detail, name="newsletter_detail"),
    path("newsletters/<int:pk>/edit/", newsletters.newsletter_edit, name="newsletter_edit"),
    path(
        "newsletters/<int:pk>/versions/<str:language>/",
        newsletters.version_edit,
        name="newsletter_version",
    ),
    path("newsletters/<int:pk>/images/", newsletters.image_add, name="newsletter_image_add"),
    path(
        "newsletters/<int:pk>/images/<int:image_id>/",
        newsletters.image,
        name="newsletter_image",
    ),
    path(
        "newsletters/<int:pk>/images/<int:image_id>/delete/",
        newsletters.image_delete,
        name="newsletter_image_delete",
    ),
    path("newsletters/<int:pk>/send/", newsletters.newsletter_send, name="newsletter_send"),
    path(
        "newsletters/<int:pk>/newsletter-<str:language>.pdf",
        newsletters.newsletter_pdf,
        name="newsletter_pdf",
    ),
    path(
        "newsletters/<int:pk>/qr/<str:language>.svg",
        newsletters.newsletter_qr,
        name="newsletter_qr",
    ),
]
