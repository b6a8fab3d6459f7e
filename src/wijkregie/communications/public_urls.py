"""Resident pages of communications, without login: /nieuwsbrief/… (the public page of a
newsletter, its images, unsubscribing) and the mail provider's webhook."""

from django.urls import path

from wijkregie.communications.views import newsletters

app_name = "newsletters_public"

urlpatterns = [
    path("afmelden/<str:token>/", newsletters.unsubscribe, name="unsubscribe"),
    path("webhooks/mailgun/tracking/", newsletters.mailgun_tracking, name="mailgun_tracking"),
    path("<str:code>/", newsletters.public_page, name="page"),
    path("<str:code>/afbeelding/<int:image_id>/", newsletters.public_image, name="image"),
]
