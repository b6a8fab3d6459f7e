from django.urls import path

from wijkregie.chat import views
from wijkregie.chat.pages import PROFESSIONAL

app_name = "chat"
P = {"side": PROFESSIONAL}

urlpatterns = [
    path("", views.index, name="index"),
    path("moderation/", views.moderation, name="moderation"),
    path("buildings/<int:building_id>/codes/", views.join_codes, name="codes"),
    path("c/<int:channel_id>/", views.channel_page, name="channel"),
    path("c/<int:channel_id>/post/", views.post, P, name="post"),
    path("c/<int:channel_id>/stream/", views.stream, P, name="stream"),
    path("c/<int:channel_id>/messages/", views.poll, P, name="poll"),
    path("c/<int:channel_id>/report/", views.line_report, name="line_report"),
    path("c/<int:channel_id>/newsletter/", views.newsletter, name="newsletter"),
    path("m/<int:message_id>/react/", views.react, P, name="react"),
    path("m/<int:message_id>/flag/", views.flag, P, name="flag"),
    path("m/<int:message_id>/photo/", views.photo, name="photo"),
    path("m/<int:message_id>/<str:action>/", views.moderate_message, name="moderate_message"),
    path("members/<int:member_id>/<str:action>/", views.moderate_member, name="moderate_member"),
]
