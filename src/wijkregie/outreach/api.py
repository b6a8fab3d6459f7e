"""Private REST API of outreach under /api/v1/outreach/: rounds, visits, evenings.

The same need-to-know as the pages (a round one neither plans nor walks is a 404). A visit
is posted with the phone's idempotency key: the first post answers 201, a replay 200 with
the same visit, the key reused for another door 409.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView as BaseAPIView

from wijkregie.core.api import IdField
from wijkregie.outreach import selectors, services
from wijkregie.outreach.models import (
    INPUT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ContactAgainChannel,
    Coverage,
    Topic,
    VisitOutcome,
)
from wijkregie.partners.selectors import viewer_for_request


class APIView(BaseAPIView):
    """JSON in: a list (floors, topics, team) has one unambiguous shape."""

    parser_classes = [JSONParser]


class TextField(serializers.CharField):
    """A string, and only a string (a number is refused, as the schema says)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class FlagField(serializers.BooleanField):
    """true or false, and only those."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


# --- Rounds -------------------------------------------------------------------------------


class RoundOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    building_id = serializers.IntegerField()
    building = serializers.CharField(source="building.name")
    organisation_id = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    entrances = serializers.ListField(child=serializers.CharField())
    floors = serializers.ListField(child=serializers.IntegerField())
    follows_id = serializers.IntegerField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class RoundInputSerializer(serializers.Serializer):
    building_id = IdField()
    title = TextField(max_length=TITLE_MAX_LENGTH)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    organisation_id = IdField(required=False)
    entrances = serializers.ListField(child=TextField(max_length=10), required=False, max_length=50)
    floors = serializers.ListField(
        child=serializers.IntegerField(min_value=-3, max_value=60), required=False, max_length=70
    )
    team_membership_ids = serializers.ListField(child=IdField(), required=False, max_length=50)


class DoorOutputSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    position = serializers.IntegerField()
    address = serializers.CharField()
    entrance = serializers.CharField()
    floor = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Coverage.choices)
    visits = serializers.IntegerField()


class CoverageOutputSerializer(serializers.Serializer):
    doors = serializers.IntegerField(source="door_count")
    tried = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Doors tried at least once, of all doors.")
    totals = serializers.DictField(child=serializers.IntegerField())
    by_entrance = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    to_try_again = serializers.SerializerMethodField()

    def get_to_try_again(self, obj) -> list[int]:
        return [d.unit_id for d in obj.to_try_again]


class RoundDetailOutputSerializer(RoundOutputSerializer):
    doors = DoorOutputSerializer(many=True)
    coverage = CoverageOutputSerializer()


class RoundListApi(APIView):
    @extend_schema(responses=RoundOutputSerializer(many=True), summary="Rounds I plan or walk")
    def get(self, request):
        rounds = selectors.round_list(viewer=viewer_for_request(request))
        return Response(RoundOutputSerializer(rounds, many=True).data)

    @extend_schema(
        request=RoundInputSerializer,
        responses={201: RoundOutputSerializer},
        summary="Plan a round",
    )
    def post(self, request):
        data = RoundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round_ = services.round_create(actor=viewer_for_request(request), **data.validated_data)
        return Response(RoundOutputSerializer(round_).data, status=status.HTTP_201_CREATED)


def _detail(viewer, round_) -> dict:
    coverage = selectors.round_coverage(viewer=viewer, round_=round_)
    data = RoundOutputSerializer(round_).data
    data["doors"] = DoorOutputSerializer(coverage.doors, many=True).data
    data["coverage"] = CoverageOutputSerializer(coverage).data
    return data


class RoundDetailApi(APIView):
    @extend_schema(responses=RoundDetailOutputSerializer, summary="A round with its coverage")
    def get(self, request, pk):
        viewer = viewer_for_request(request)
        return Response(_detail(viewer, selectors.round_get(viewer=viewer, id=pk)))


class RoundFollowUpApi(APIView):
    @extend_schema(
        request=None,
        responses={201: RoundOutputSerializer},
        summary="Plan the follow-up round of the doors to try again",
    )
    def post(self, request, pk):
        round_ = services.round_follow_up_create(actor=viewer_for_request(request), round_id=pk)
        return Response(RoundOutputSerializer(round_).data, status=status.HTTP_201_CREATED)


# --- Visits -------------------------------------------------------------------------------


class VisitOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    idempotency_key = serializers.UUIDField()
    unit_id = serializers.IntegerField()
    address = serializers.CharField()
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)
    revisit = serializers.BooleanField()
    topics = serializers.ListField(child=serializers.ChoiceField(choices=Topic.choices))
    topics_other = serializers.CharField()
    note = serializers.CharField()
    resident_name = serializers.CharField(
        help_text='"" unless the caller may see this resident today.'
    )
    contact_again = serializers.BooleanField()
    contact_channel = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    organisation = serializers.CharField()
    report_id = serializers.IntegerField(allow_null=True)
    case_action_id = serializers.IntegerField(allow_null=True)


class VisitInputSerializer(serializers.Serializer):
    idempotency_key = serializers.UUIDField(
        help_text="Made by the client; a replay sends it again."
    )
    unit_id = IdField()
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)
    recorded_at = serializers.DateTimeField(required=False, help_text="When, on the phone.")
    revisit = FlagField(required=False, default=False)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Topic.choices), required=False, max_length=20
    )
    topics_other = TextField(required=False, allow_blank=True, max_length=200)
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)
    resident_id = IdField(required=False, allow_null=True)
    contact_again = FlagField(required=False, default=False)
    contact_channel = serializers.ChoiceField(
        choices=ContactAgainChannel.choices, required=False, allow_blank=True
    )
    concern = TextField(required=False, allow_blank=True, max_length=INPUT_MAX_LENGTH)
    concern_category_id = IdField(required=False, allow_null=True)
    concern_case_id = IdField(required=False, allow_null=True)


def _visit_row(viewer, round_, visit) -> dict:
    for row in selectors.visit_list(viewer=viewer, round_=round_):
        if row["id"] == visit.pk:
            return row
    raise AssertionError("a stored visit is listed")


class RoundVisitsApi(APIView):
    @extend_schema(responses=VisitOutputSerializer(many=True), summary="A round's visits")
    def get(self, request, pk):
        viewer = viewer_for_request(request)
        round_ = selectors.round_get(viewer=viewer, id=pk)
        return Response(
            VisitOutputSerializer(
                selectors.visit_list(viewer=viewer, round_=round_), many=True
            ).data
        )

    @extend_schema(
        request=VisitInputSerializer,
        responses={
            201: VisitOutputSerializer,
            200: OpenApiResponse(VisitOutputSerializer, description="A replay: the same visit."),
            409: OpenApiResponse(description="The key was used for another door."),
        },
        summary="Record an outcome at a door (idempotent)",
    )
    def post(self, request, pk):
        viewer = viewer_for_request(request)
        data = VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            visit, created = services.visit_record(actor=viewer, round_id=pk, **data.validated_data)
        except services.IdempotencyKeyConflict as exc:
            raise Conflict(exc.message) from exc
        row = _visit_row(viewer, visit.round, visit)
        return Response(
            VisitOutputSerializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Evenings -----------------------------------------------------------------------------


class EveningOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organisation_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    building_ids = serializers.SerializerMethodField()
    attendance = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField()
    inputs_until = serializers.DateTimeField()

    def get_building_ids(self, obj) -> list[int]:
        return sorted(b.pk for b in obj.buildings.all())


class EveningInputSerializer(serializers.Serializer):
    title = TextField(max_length=TITLE_MAX_LENGTH)
    starts_at = serializers.DateTimeField()
    place = TextField(max_length=TITLE_MAX_LENGTH)
    building_ids = serializers.ListField(child=IdField(), min_length=1, max_length=20)
    organisation_id = IdField(required=False)


class EveningInputOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    topics = serializers.ListField(child=serializers.CharField())
    building_id = serializers.IntegerField(allow_null=True)
    received_at = serializers.DateTimeField()
    report_id = serializers.IntegerField(allow_null=True)
    case_action_id = serializers.IntegerField(allow_null=True)


class EveningDetailOutputSerializer(EveningOutputSerializer):
    invitations = serializers.IntegerField()
    inputs = EveningInputOutputSerializer(many=True)


class InvitationsOutputSerializer(serializers.Serializer):
    issued = serializers.IntegerField(help_text="New invitations issued by this call.")
    total = serializers.IntegerField()


class EveningListApi(APIView):
    @extend_schema(responses=EveningOutputSerializer(many=True), summary="Residents' evenings")
    def get(self, request):
        evenings = selectors.evening_list(viewer=viewer_for_request(request))
        return Response(EveningOutputSerializer(evenings, many=True).data)

    @extend_schema(
        request=EveningInputSerializer,
        responses={201: EveningOutputSerializer},
        summary="Plan a residents' evening",
    )
    def post(self, request):
        data = EveningInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evening = services.evening_create(actor=viewer_for_request(request), **data.validated_data)
        return Response(EveningOutputSerializer(evening).data, status=status.HTTP_201_CREATED)


class EveningDetailApi(APIView):
    @extend_schema(responses=EveningDetailOutputSerializer, summary="A residents' evening")
    def get(self, request, pk):
        evening = selectors.evening_get(viewer=viewer_for_request(request), id=pk)
        data = EveningOutputSerializer(evening).data
        data["invitations"] = selectors.evening_invitation_count(evening=evening)
        data["inputs"] = EveningInputOutputSerializer(
            selectors.evening_inputs(evening=evening), many=True
        ).data
        return Response(data)


class EveningInvitationsApi(APIView):
    @extend_schema(
        request=None,
        responses=InvitationsOutputSerializer,
        summary="Issue the personal invitation codes",
    )
    def post(self, request, pk):
        viewer = viewer_for_request(request)
        issued = services.evening_invitations_issue(actor=viewer, evening_id=pk)
        evening = selectors.evening_get(viewer=viewer, id=pk)
        total = selectors.evening_invitation_count(evening=evening)
        return Response({"issued": issued, "total": total})


class InputReportSerializer(serializers.Serializer):
    category_id = IdField()
    building_id = IdField(required=False)


class InputActionSerializer(serializers.Serializer):
    case_id = IdField()
    owner_organisation_id = IdField(required=False)
    due_date = serializers.DateField(required=False)


class EveningInputReportApi(APIView):
    @extend_schema(
        request=InputReportSerializer,
        responses={201: EveningInputOutputSerializer},
        summary="Turn an input into a report",
    )
    def post(self, request, pk, input_id):
        data = InputReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.evening_input_to_report(
            actor=viewer_for_request(request),
            evening_id=pk,
            input_id=input_id,
            **data.validated_data,
        )
        return Response(EveningInputOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class EveningInputActionApi(APIView):
    @extend_schema(
        request=InputActionSerializer,
        responses={201: EveningInputOutputSerializer},
        summary="Turn an input into an action on a case",
    )
    def post(self, request, pk, input_id):
        data = InputActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.evening_input_to_action(
            actor=viewer_for_request(request),
            evening_id=pk,
            input_id=input_id,
            **data.validated_data,
        )
        return Response(EveningInputOutputSerializer(entry).data, status=status.HTTP_201_CREATED)
