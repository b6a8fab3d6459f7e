from django.urls import path

from wijkregie.communications.views import letters, newsletters

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
    path("letters/", letters.letters_index, name="letters"),
    path("letters/templates/new/", letters.template_create, name="template_create"),
    path("letters/templates/<int:pk>/", letters.template_edit, name="template_edit"),
    path("letters/templates/<int:pk>/preview/", letters.template_preview, name="template_preview"),
    path("letters/batches/new/", letters.batch_create, name="batch_create"),
    path("letters/batches/<int:pk>/", letters.batch_detail, name="batch_detail"),
    path("letters/batches/<int:pk>/progress/", letters.batch_progress, name="batch_progress"),
    path("letters/batches/<int:pk>/review/", letters.batch_review, name="batch_review"),
    path("letters/batches/<int:pk>/send/", letters.batch_send, name="batch_send"),
    path("letters/batches/<int:pk>/bundle.pdf", letters.bundle_pdf, name="bundle_pdf"),
    path(
        "letters/batches/<int:pk>/letters/<int:letter_id>.pdf",
        letters.letter_pdf,
        name="letter_pdf",
    ),
]
