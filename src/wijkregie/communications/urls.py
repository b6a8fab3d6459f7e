from django.urls import path

from wijkregie.communications.views import letters

app_name = "communications"

urlpatterns = [
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
