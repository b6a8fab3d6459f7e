from django.urls import path

from wijkregie.communications.api import letters, newsletters

app_name = "communications_api"

urlpatterns = [
    path("newsletters/", newsletters.NewsletterListApi.as_view(), name="newsletter_list"),
    path(
        "newsletters/<int:pk>/",
        newsletters.NewsletterDetailApi.as_view(),
        name="newsletter_detail",
    ),
    path(
        "newsletters/<int:pk>/versions/<str:language>/",
        newsletters.NewsletterVersionApi.as_view(),
        name="newsletter_version",
    ),
    path(
        "newsletters/<int:pk>/send/",
        newsletters.NewsletterSendApi.as_view(),
        name="newsletter_send",
    ),
    path(
        "newsletters/<int:pk>/deliveries/",
        newsletters.NewsletterDeliveriesApi.as_view(),
        name="newsletter_deliveries",
    ),
    path("letter-templates/", letters.LetterTemplateListApi.as_view(), name="letter_templates"),
    path(
        "letter-templates/<int:pk>/",
        letters.LetterTemplateDetailApi.as_view(),
        name="letter_template_detail",
    ),
    path("merge-fields/", letters.MergeFieldListApi.as_view(), name="merge_fields"),
    path("letter-batches/", letters.LetterBatchListApi.as_view(), name="letter_batches"),
    path(
        "letter-batches/<int:pk>/",
        letters.LetterBatchDetailApi.as_view(),
        name="letter_batch_detail",
    ),
    path(
        "letter-batches/<int:pk>/letters/",
        letters.LetterBatchLettersApi.as_view(),
        name="letter_batch_letters",
    ),
    path(
        "letter-batches/<int:pk>/review/",
        letters.LetterBatchReviewApi.as_view(),
        name="letter_batch_review",
    ),
    path(
        "letter-batches/<int:pk>/send/",
        letters.LetterBatchSendApi.as_view(),
        name="letter_batch_send",
    ),
]
