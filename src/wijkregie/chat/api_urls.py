from django.urls import path

from wijkregie.chat import api

app_name = "chat_api"

urlpatterns = [
    path("channels/", api.ChannelListApi.as_view(), name="channel_list"),
    path("channels/<int:pk>/messages/", api.ChannelMessagesApi.as_view(), name="channel_messages"),
    path("buildings/<int:pk>/members/", api.BuildingMembersApi.as_view(), name="building_members"),
    path("messages/<int:pk>/flag/", api.MessageFlagApi.as_view(), name="message_flag"),
    path("messages/<int:pk>/react/", api.MessageReactApi.as_view(), name="message_react"),
    path("messages/<int:pk>/hide/", api.MessageHideApi.as_view(), name="message_hide"),
    path("messages/<int:pk>/delete/", api.MessageDeleteApi.as_view(), name="message_delete"),
    path("messages/<int:pk>/pin/", api.MessagePinApi.as_view(), name="message_pin"),
    path("members/<int:pk>/mute/", api.MemberMuteApi.as_view(), name="member_mute"),
    path("members/<int:pk>/remove/", api.MemberRemoveApi.as_view(), name="member_remove"),
    path("moderation/", api.ModerationQueueApi.as_view(), name="moderation"),
    path("join-codes/", api.JoinCodeApi.as_view(), name="join_codes"),
]
