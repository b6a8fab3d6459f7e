"""REST API of the building chat under /api/v1/chat/ (professionals and systems): channels,
members, messages and moderation. The same need-to-know and the same message form as
the pages (selectors.message_payload): a resident member is their display name only."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.chat import selectors, services
from wijkregie.chat.models import BODY_MAX_LENGTH, REASON_MAX_LENGTH, ChannelKind, Reaction
from wijkregie.core.api import IdField
from wijkregie.partners.selectors import viewer_for_request


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChannelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    building = RefSerializer()
    last_message_id = serializers.IntegerField()


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(
        help_text="A resident's chosen display name, or a professional's name."
    )
    kind = serializers.ChoiceField(
        choices=[("resident", "resident"), ("professional", "professional")]
    )
    organisation = serializers.CharField(
        help_text="A professional's organisation; empty for residents."
    )


class MemberOutputSerializer(AuthorSerializer):
    muted = serializers.BooleanField()


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    excerpt = serializers.CharField()


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.IntegerField()
    kind = serializers.CharField()
    author = AuthorSerializer()
    body = serializers.CharField()
    photo = serializers.CharField(help_text="The photo's URL, or empty.")
    reply_to = ReplySerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    time = serializers.CharField()
    pinned = serializers.BooleanField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()
    deleted = serializers.BooleanField()
    reactions = serializers.DictField(child=serializers.IntegerField())


class MessageFilterSerializer(serializers.Serializer):
    after = serializers.IntegerField(
        required=False, min_value=0, help_text="Only messages after this id."
    )


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX_LENGTH)
    reply_to = IdField(required=False, allow_null=True)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class FlagInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class ReactInputSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=[(e, e) for e in Reaction.EMOJIS])


class MuteInputSerializer(ReasonInputSerializer):
    hours = serializers.IntegerField(min_value=1, max_value=24 * 30, default=24)


class PinInputSerializer(serializers.Serializer):
    pinned = serializers.BooleanField(default=True)


class JoinCodeInputSerializer(serializers.Serializer):
    resident = IdField()


class JoinCodeOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Shown once; only its digest is kept.")
    expires_at = serializers.DateTimeField()


class QueueItemSerializer(serializers.Serializer):
    message = MessageOutputSerializer()
    body = serializers.CharField(help_text="The text, also of a hidden message (moderators).")
    building = RefSerializer()
    flags = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    member_id = serializers.IntegerField()


class ChannelListApi(APIView):
    """The channels of the caller's buildings and their private lines."""

    pagination_class = None

    @extend_schema(responses=ChannelOutputSerializer(many=True))
    def get(self, request):
        channels = selectors.channel_list(actor=viewer_for_request(request))
        return Response(ChannelOutputSerializer(channels, many=True).data)


class ChannelMessagesApi(APIView):
    pagination_class = None

    @extend_schema(
        parameters=[MessageFilterSerializer], responses=MessageOutputSerializer(many=True)
    )
    def get(self, request, pk):
        filters = MessageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        channel = selectors.channel_get(actor=viewer, channel_id=pk)
        payloads = selectors.channel_messages(
            actor=viewer, channel=channel, after=filters.validated_data.get("after")
        )
        return Response(MessageOutputSerializer(payloads, many=True).data)

    @extend_schema(request=MessageInputSerializer, responses={201: MessageOutputSerializer})
    def post(self, request, pk):
        data = MessageInputSerializer(data=request.data)
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

    @extend_schema(responses=MemberOutputSerializer(many=True))
    def get(self, request, pk):
        members = selectors.building_members(actor=viewer_for_request(request), building_id=pk)
        return Response(MemberOutputSerializer(members, many=True).data)


def _message(viewer, pk) -> dict:
    return selectors.message_payload(selectors.message_get(actor=viewer, message_id=pk))


class MessageFlagApi(APIView):
    @extend_schema(request=FlagInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = FlagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.message_flag(
            actor=viewer_for_request(request),
            message_id=pk,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageReactApi(APIView):
    @extend_schema(request=ReactInputSerializer, responses=MessageOutputSerializer)
    def post(self, request, pk):
        data = ReactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_react(actor=viewer, message_id=pk, emoji=data.validated_data["emoji"])
        return Response(_message(viewer, pk))


class MessageHideApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=MessageOutputSerializer)
    def post(self, request, pk):
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_hide(actor=viewer, message_id=pk, reason=data.validated_data["reason"])
        return Response(_message(viewer, pk))


class MessageDeleteApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses=MessageOutputSerializer)
    def post(self, request, pk):
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_delete(actor=viewer, message_id=pk, reason=data.validated_data["reason"])
        return Response(_message(viewer, pk))


class MessagePinApi(APIView):
    @extend_schema(request=PinInputSerializer, responses=MessageOutputSerializer)
    def post(self, request, pk):
        data = PinInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.message_pin(actor=viewer, message_id=pk, pinned=data.validated_data["pinned"])
        return Response(_message(viewer, pk))


class MemberMuteApi(APIView):
    @extend_schema(request=MuteInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = MuteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.member_mute(
            actor=viewer_for_request(request),
            member_id=pk,
            reason=data.validated_data["reason"],
            hours=data.validated_data["hours"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberRemoveApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.member_remove(
            actor=viewer_for_request(request), member_id=pk, reason=data.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModerationQueueApi(APIView):
    pagination_class = None

    @extend_schema(responses=QueueItemSerializer(many=True))
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
        return Response(QueueItemSerializer(data, many=True).data)


class JoinCodeApi(APIView):
    """A personal join code for a resident (for a letter or at the door)."""

    @extend_schema(request=JoinCodeInputSerializer, responses={201: JoinCodeOutputSerializer})
    def post(self, request):
        data = JoinCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code, row = services.join_code_issue(
            actor=viewer_for_request(request), resident_id=data.validated_data["resident"]
        )
        return Response(
            {"code": code, "expires_at": row.expires_at}, status=status.HTTP_201_CREATED
        )
