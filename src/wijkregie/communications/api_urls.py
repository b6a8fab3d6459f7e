from django.urls import path

from wijkregie.communications.api import newsletters

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
]
