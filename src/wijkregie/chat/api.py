"""REST API of the building chat under /api/v1/chat/ (professionals and systems): channels,
members, messages and moderation. The same need-to-know and the same message form as
the pages (selectors.message_payload): a resident member is their display name only."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.chat import selectors, services
from wijkregie.chat.models import BODY_MAX_LENGTH, REASON_MAX_LENGTH, Reaction
from wijkregie.core.api import IdField
from wijkregie.partners.selectors import viewer_for_request


class ChatRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChatChannelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="general, announcements or private")
    building = ChatRefSerializer()
    last_message_id = serializers.IntegerField()


class ChatAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(
        help_text="A resident's chosen display name, or a professional's name."
    )
    kind = serializers.CharField(help_text="resident or professional")
    organisation = serializers.CharField(
        help_text="A professional's organisation; empty for residents."
    )


class ChatMemberOutputSerializer(ChatAuthorSerializer):
    muted = serializers.BooleanField()


class ChatReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    excerpt = serializers.CharField()


class ChatMessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.IntegerField()
    kind = serializers.CharField()
    author = ChatAuthorSerializer()
    body = serializers.CharField()
    photo = serializers.CharField(help_text="The photo's URL, or empty.")
    reply_to = ChatReplySerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    time = serializers.CharField()
    pinned = serializers.BooleanField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()
    deleted = serializers.BooleanField()
    reactions = serializers.DictField(child=serializers.IntegerField())


class ChatMessageFilterSerializer(serializers.Serializer):
    after = serializers.IntegerField(
        required=False, min_value=0, help_text="Only messages after this id."
    )


class ChatMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX_LENGTH)
    reply_to = IdField(required=False, allow_null=True)


class ChatReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class ChatFlagInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class ChatReactInputSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=[(e, e) for e in Reaction.EMOJIS])


class ChatMuteInputSerializer(ChatReasonInputSerializer):
    hours = serializers.IntegerField(min_value=1, max_value=24 * 30, default=24)


class ChatPinInputSerializer(serializers.Serializer):
    pinned = serializers.BooleanField(default=True)


class ChatJoinCodeInputSerializer(serializers.Serializer):
    resident = IdField()


class ChatJoinCodeOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Shown once; only its digest is kept.")
    expires_at = serializers.DateTimeField()


class ChatQueueItemSerializer(serializers.Serializer):
    message = ChatMessageOutputSerializer()
    body = serializers.CharField(help_text="The text, also of a hidden message (moderators).")
    building = ChatRefSerializer()
    flags = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    member_id = serializers.IntegerField()


class ChannelListApi(APIView):
    """The channels of the caller's buildings and their private lines."""

    pagination_class = None

    @extend_schema(responses=ChatChannelOutputSerializer(many=True))
    def get(self, request):
        channels = selectors.channel_list(actor=viewer_for_request(request))
        return Response(ChatChannelOutputSerializer(channels, many=True).data)


class ChannelMessagesApi(APIView):
    pagination_class = None

    @extend_schema(
        parameters=[ChatMessageFilterSerializer], responses=ChatMessageOutputSerializer(many=True)
    )
    def get(self, request, pk):
        filters = ChatMessageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        channel = selectors.channel_get(actor=viewer, channel_id=pk)
        payloads = selectors.channel_messages(
            actor=viewer, channel=channel, after=filters.validated_data.get("after")
        )
        return Response(ChatMessageOutputSerializer(payloads, many=True).data)

    @extend_schema(request=ChatMessageInputSerializer, responses={201: ChatMessageOutputSerializer})
    def post(self, request, pk):
        data = ChatMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        message = services.message_post(
            actor=viewer,
            channel_id=pk,
            body=data.validated_data["body"],
            reply_to_id=data.validated_data.get("reply_to"),
        )
        return Response(selectors.message_payload(message), status=status.HTTP_201_CREATED)


class BuildingMembersApi(APIView):
    pagination_class = None

    @extend_schema(responses=ChatMemberOutputSerializer(many=True))
    def get(self, request, pk):
        members = selectors.building_members(actor=viewer_for_request(request), building_id=pk)
        return Response(ChatMemberOutputSerializer(members, many=True).data)


def _message(viewer, pk) -> dict:
    return selectors.message_payload(selectors.message_get(actor=viewer, message_id=pk))


class MessageFlagApi(APIView):
    @extend_schema(request=ChatFlagInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = ChatFlagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.message_flag(
            actor=viewer_for_request(request),
            message_id=pk,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageReactApi(APIView):
    @extend_schema(request=ChatReactInputSerializer, responses=ChatMessageOutputSerializer)
    def post(self, request, pk):
        data = ChatReactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_react(actor=viewer, message_id=pk, emoji=data.validated_data["emoji"])
        return Response(_message(viewer, pk))


class MessageHideApi(APIView):
    @extend_schema(request=ChatReasonInputSerializer, responses=ChatMessageOutputSerializer)
    def post(self, request, pk):
        data = ChatReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_hide(actor=viewer, message_id=pk, reason=data.validated_data["reason"])
        return Response(_message(viewer, pk))


class MessageDeleteApi(APIView):
    @extend_schema(request=ChatReasonInputSerializer, responses=ChatMessageOutputSerializer)
    def post(self, request, pk):
        data = ChatReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_delete(actor=viewer, message_id=pk, reason=data.validated_data["reason"])
        return Response(_message(viewer, pk))


class MessagePinApi(APIView):
    @extend_schema(request=ChatPinInputSerializer, responses=ChatMessageOutputSerializer)
    def post(self, request, pk):
        data = ChatPinInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_pin(actor=viewer, message_id=pk, pinned=data.validated_data["pinned"])
        return Response(_message(viewer, pk))


class MemberMuteApi(APIView):
    @extend_schema(request=ChatMuteInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = ChatMuteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.member_mute(
            actor=viewer_for_request(request),
            member_id=pk,
            reason=data.validated_data["reason"],
            hours=data.validated_data["hours"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberRemoveApi(APIView):
    @extend_schema(request=ChatReasonInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = ChatReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.member_remove(
            actor=viewer_for_request(request), member_id=pk, reason=data.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModerationQueueApi(APIView):
    pagination_class = None

    @extend_schema(responses=ChatQueueItemSerializer(many=True))
    def get(self, request):
        items = selectors.moderation_queue(viewer=viewer_for_request(request))
        data = [
            {
                "message": i.message,
                "body": i.body,
                "building": {"id": i.building.pk, "name": i.building.name},
                "flags": i.flags,
                "reasons": i.reasons,
                "member_id": i.member_id,
            }
            for i in items
        ]
        return Response(ChatQueueItemSerializer(data, many=True).data)


class JoinCodeApi(APIView):
    """A personal join code for a resident (for a letter or at the door)."""

    @extend_schema(
        request=ChatJoinCodeInputSerializer, responses={201: ChatJoinCodeOutputSerializer}
    )
    def post(self, request):
        data = ChatJoinCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code, row = services.join_code_issue(
            actor=viewer_for_request(request), resident_id=data.validated_data["resident"]
        )
        return Response(
            {"code": code, "expires_at": row.expires_at}, status=status.HTTP_201_CREATED
        )
