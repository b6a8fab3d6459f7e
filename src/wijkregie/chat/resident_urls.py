"""The resident's chat (no account: a personal code signs the device in)."""

from django.urls import path

from wijkregie.chat import resident_views, views
from wijkregie.chat.pages import RESIDENT

app_name = "chat_resident"
R = {"side": RESIDENT}

urlpatterns = [
    path("", resident_views.join, name="join"),
    path("chat/", resident_views.home, name="home"),
    path("huisregels/", resident_views.house_rules, name="rules"),
    path("herstel/", resident_views.recover, name="recover"),
    path("herstel/<str:token>/", resident_views.recover_link, name="recover_link"),
    path("instellingen/", resident_views.settings_page, name="settings"),
    path("afmelden/", resident_views.sign_out, name="sign_out"),
    path("verlaten/", resident_views.leave, name="leave"),
    path("prive/<int:member_id>/", resident_views.line_open, name="line_open"),
    path("c/<int:channel_id>/", resident_views.channel, name="channel"),
    path("c/<int:channel_id>/post/", views.post, R, name="post"),
    path("c/<int:channel_id>/stream/", views.stream, R, name="stream"),
    path("c/<int:channel_id>/messages/", views.poll, R, name="poll"),
    path("m/<int:message_id>/react/", views.react, R, name="react"),
    path("m/<int:message_id>/flag/", views.flag, R, name="flag"),
]
