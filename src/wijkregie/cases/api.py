"""Private REST API of cases under /api/v1/cases/: thin over selectors and services.

The same need-to-know as the pages: a case the caller takes no part in is a 404, like a
missing one; a linked report is given without its reporter.
"""

from django.utils import timezone

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.cases import selectors, services
from wijkregie.cases.models import ACTION_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from wijkregie.cases.services import REASON_MAX_LENGTH
from wijkregie.cases.workflows import (
    ActionStatus,
    AgreementStatus,
    CaseKind,
    CaseRole,
    CaseStatus,
    Confidentiality,
    FragmentAudience,
    FragmentKind,
)
from wijkregie.core.api import IdField, Pagination
from wijkregie.partners.models import DataCategory, MandateLevel
from wijkregie.partners.selectors import viewer_for_request
from wijkregie.reports.workflows import ReportStatus

# --- Output ------------------------------------------------------------------------------


class CaseRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    level = serializers.ChoiceField(choices=MandateLevel.choices)
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    building = CaseRef()
    unit_id = serializers.IntegerField(allow_null=True)
    parent_id = serializers.IntegerField(allow_null=True)
    regie_organisation = CaseRef(allow_null=True)
    created_at = serializers.DateTimeField()


class ParticipantOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = CaseRef()
    person_id = serializers.IntegerField(source="user_id", allow_null=True)
    person_name = serializers.CharField()
    role = serializers.ChoiceField(choices=CaseRole.choices)
    created_at = serializers.DateTimeField()


class CaseDetailOutputSerializer(CaseListOutputSerializer):
    goal = serializers.CharField()
    regie_since = serializers.DateTimeField(allow_null=True)
    regie_reason = serializers.CharField()
    phase = serializers.IntegerField()
    participants = ParticipantOutputSerializer(many=True)
    subcase_ids = serializers.ListField(child=serializers.IntegerField())
    permissions = serializers.ListField(
        child=serializers.CharField(), help_text="What the caller may do on this case."
    )


class LinkedReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    location = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    received_at = serializers.DateTimeField()
    linked_at = serializers.DateTimeField()
    linked_by = serializers.CharField(help_text="The organisation that linked it.")
    note = serializers.CharField()


class CaseTimelineOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    actor_label = serializers.CharField()
    organisation_name = serializers.CharField()


class AgreementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.CharField()
    description = serializers.CharField()
    organisation = CaseRef(allow_null=True, help_text="Whose task; null: nobody was asked yet.")
    expected_by = CaseRef(allow_null=True, help_text="Null: the organisation took it on itself.")
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    answer_note = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class MismatchOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            ("not_accepted", "not_accepted"),
            ("declined", "declined"),
            ("claimed_twice", "claimed_twice"),
            ("nobody", "nobody"),
        ]
    )
    topic = serializers.CharField()
    text = serializers.CharField(help_text="The mismatch in words, in the request's language.")
    organisation_ids = serializers.ListField(child=serializers.IntegerField())


class ActionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    owner_organisation = CaseRef()
    owner_id = serializers.IntegerField(allow_null=True)
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    overdue = serializers.SerializerMethodField(help_text="Derived: open and past its due date.")
    outcome = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with a change.")
    done_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class AgendaItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    source = serializers.CharField(help_text="report, action, mismatch or manual.")


class AttendanceOutputSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(source="user_id")
    person_name = serializers.CharField()
    organisation = CaseRef()
    mandate_level = serializers.ChoiceField(choices=MandateLevel.choices)
    may_decide_on = serializers.CharField()


class DecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    decided_by_id = serializers.IntegerField(source="decided_by.user_id")
    decided_by_name = serializers.CharField(source="decided_by.person_name")
    level = serializers.ChoiceField(choices=MandateLevel.choices)
    within_may_decide_on = serializers.BooleanField()
    outside_mandate = serializers.BooleanField()
    outside_reason = serializers.CharField()
    action_ids = serializers.SerializerMethodField()

    def get_action_ids(self, obj) -> list[int]:
        return [a.pk for a in obj.actions.all()]


class MeetingListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    location = serializers.CharField()


class MeetingDetailOutputSerializer(MeetingListOutputSerializer):
    minutes = serializers.CharField()
    agenda = AgendaItemOutputSerializer(many=True)
    attendance = AttendanceOutputSerializer(many=True)
    decisions = DecisionOutputSerializer(many=True)


class ChecklistItemOutputSerializer(serializers.Serializer):
    item = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    automatic = serializers.BooleanField(help_text="Ticks itself when the case's data proves it.")
    note = serializers.CharField()


class PhaseOutputSerializer(serializers.Serializer):
    phase = serializers.IntegerField()
    checklist = ChecklistItemOutputSerializer(many=True)


class FragmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    visited_on = serializers.DateField(allow_null=True)
    author = serializers.CharField(source="author_label")
    author_organisation = CaseRef()
    audience = serializers.CharField()
    audience_organisations = CaseRef(many=True, source="audience_organisations.all")
    residents_may_be_told = serializers.BooleanField()
    data_category = serializers.CharField()
    file_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class EscalationAddresseeOutputSerializer(serializers.Serializer):
    person = serializers.SerializerMethodField()
    organisation = CaseRef()
    mandate_level = serializers.CharField()

    def get_person(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.username


class EscalationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.SerializerMethodField()
    level = serializers.CharField()
    question = serializers.CharField()
    status = serializers.CharField()
    asked_by = serializers.CharField(source="asked_by_label")
    asked_by_organisation = CaseRef()
    addressees = EscalationAddresseeOutputSerializer(many=True, source="addressees.all")
    answer = serializers.CharField()
    answered_by = serializers.CharField(source="answered_by_label")
    answered_by_organisation = CaseRef(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_case(self, obj) -> dict:
        return {"id": obj.case_id, "title": obj.case.title}


class EscalationsWaitingOutputSerializer(serializers.Serializer):
    for_me = EscalationOutputSerializer(many=True)
    for_the_table = EscalationOutputSerializer(many=True)


# --- Input -------------------------------------------------------------------------------


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False, allow_blank=True)
    building = IdField(required=False)


class CaseOpenInputSerializer(serializers.Serializer):
    building = IdField()
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    goal = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    level = serializers.ChoiceField(choices=MandateLevel.choices, required=False)
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices, required=False)
    unit = IdField(required=False, allow_null=True)
    parent = IdField(required=False, allow_null=True)
    organisation = IdField(
        required=False,
        allow_null=True,
        help_text="The organisation the caller acts for, if they act for several.",
    )


class ParticipantInputSerializer(serializers.Serializer):
    organisation = IdField()
    person = IdField(required=False, allow_null=True)
    role = serializers.ChoiceField(choices=CaseRole.choices, required=False)


class RegieMoveInputSerializer(serializers.Serializer):
    to_participant = IdField()
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class ReportLinkInputSerializer(serializers.Serializer):
    report = IdField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AgreementInputSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    organisation = IdField(
        required=False,
        allow_null=True,
        help_text="Whose task: the caller's own organisation (taken on), another on the "
        "case (expected of it) or none (a topic nobody was asked yet).",
    )


class AgreementAnswerInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Required to decline."
    )


class ActionInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=ACTION_MAX_LENGTH)
    owner_organisation = IdField()
    owner = IdField(required=False, allow_null=True)
    due_date = serializers.DateField(help_text="A date in the past is allowed (overdue).")


class ActionChangeInputSerializer(serializers.Serializer):
    version = IdField(help_text="The version the change starts from; another: a 400 conflict.")
    description = serializers.CharField(max_length=ACTION_MAX_LENGTH, required=False)
    owner_organisation = IdField(required=False)
    owner = IdField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    outcome = serializers.CharField(max_length=ACTION_MAX_LENGTH, required=False, allow_blank=True)


class MeetingInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    held = serializers.BooleanField(
        required=False, default=False, help_text="Recorded afterwards: a moment in the past."
    )


class AttendanceInputSerializer(serializers.Serializer):
    attendees = serializers.ListField(child=IdField(), max_length=200)


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    decided_by = IdField(help_text="The person (user id) present who decided.")
    level = serializers.ChoiceField(choices=MandateLevel.choices, required=False)
    within_may_decide_on = serializers.BooleanField(required=False, default=True)
    action = ActionInputSerializer(
        required=False, help_text="The shared action that follows from it, in one step."
    )


class PhaseMoveInputSerializer(serializers.Serializer):
    to_phase = serializers.ChoiceField(choices=[(1, "1"), (2, "2"), (3, "3")])
    note = serializers.CharField(max_length=2000)
    skip_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Needed when items of the current phase are not done.",
    )


class PhaseItemInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=40)
    note = serializers.CharField(max_length=2000)


class FragmentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FragmentKind.choices)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
    visited_on = serializers.DateField(required=False, allow_null=True)
    audience = serializers.ChoiceField(choices=FragmentAudience.choices, required=False)
    organisations = serializers.ListField(child=IdField(), required=False)
    residents_may_be_told = serializers.BooleanField(required=False, default=False)
    data_category = serializers.ChoiceField(
        choices=DataCategory.choices, required=False, allow_blank=True
    )
    file = serializers.FileField(required=False)


class EscalationInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=MandateLevel.choices)
    question = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    organisation = IdField(required=False, allow_null=True)


class EscalationAnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=TEXT_MAX_LENGTH)


# --- Views -------------------------------------------------------------------------------


def _detail(viewer, case_id) -> dict:
    page = selectors.case_page(viewer=viewer, id=case_id)
    data = CaseListOutputSerializer(page.case).data
    data.update(
        goal=page.case.goal,
        regie_since=serializers.DateTimeField().to_representation(page.case.regie_since)
        if page.case.regie_since
        else None,
        regie_reason=page.case.regie_reason,
        phase=page.case.phase,
        participants=ParticipantOutputSerializer(page.participants, many=True).data,
        subcase_ids=[c.pk for c in page.subcases],
        permissions=sorted(page.permissions),
    )
    return data


class CaseListApi(APIView):
    """The cases the caller takes part in, newest first; or open a case."""

    pagination_class = Pagination

    @extend_schema(parameters=[CaseFilterSerializer], responses=CaseListOutputSerializer(many=True))
    def get(self, request):
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.case_list(viewer=viewer_for_request(request), filters=filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CaseListOutputSerializer(page, many=True).data)

    @extend_schema(request=CaseOpenInputSerializer, responses={201: CaseDetailOutputSerializer})
    def post(self, request):
        data = CaseOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        case = services.case_open(
            actor=viewer,
            building_id=d["building"],
            title=d["title"],
            goal=d["goal"],
            kind=d["kind"],
            level=d.get("level") or MandateLevel.OPERATIONAL,
            confidentiality=d.get("confidentiality") or Confidentiality.NORMAL,
            unit_id=d.get("unit"),
            parent_id=d.get("parent"),
            organisation_id=d.get("organisation"),
        )
        return Response(_detail(viewer, case.pk), status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseDetailOutputSerializer)
    def get(self, request, pk):
        return Response(_detail(viewer_for_request(request), pk))


class CaseParticipantsApi(APIView):
    @extend_schema(responses=ParticipantOutputSerializer(many=True))
    def get(self, request, pk):
        viewer = viewer_for_request(request)
        case = selectors.case_get(viewer=viewer, id=pk)
        participants = selectors.case_participants(viewer=viewer, case=case)
        return Response(ParticipantOutputSerializer(participants, many=True).data)

    @extend_schema(request=ParticipantInputSerializer, responses={201: ParticipantOutputSerializer})
    def post(self, request, pk):
        data = ParticipantInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        participant = services.case_participant_add(
            actor=viewer_for_request(request),
            case_id=pk,
            organisation_id=d["organisation"],
            user_id=d.get("person"),
            role=d.get("role") or CaseRole.INVOLVED,
        )
        return Response(
            ParticipantOutputSerializer(participant).data, status=status.HTTP_201_CREATED
        )


class CaseRegieApi(APIView):
    """Move the regie to another participant, with a reason."""

    @extend_schema(request=RegieMoveInputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request, pk):
        data = RegieMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        case = services.case_regie_move(
            actor=viewer,
            case_id=pk,
            to_participant_id=data.validated_data["to_participant"],
            reason=data.validated_data["reason"],
        )
        return Response(_detail(viewer, case.pk))


class CaseReportsApi(APIView):
    """Reports linked to the case (without their reporter); or link one (intake)."""

    @extend_schema(responses=LinkedReportOutputSerializer(many=True))
    def get(self, request, pk):
        viewer = viewer_for_request(request)
        case = selectors.case_get(viewer=viewer, id=pk)
        return Response(
            LinkedReportOutputSerializer(
                selectors.case_reports(viewer=viewer, case=case), many=True
            ).data
        )

    @extend_schema(
        request=ReportLinkInputSerializer, responses={201: LinkedReportOutputSerializer(many=True)}
    )
    def post(self, request, pk):
        data = ReportLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        link = services.case_report_link(
            actor=viewer,
            case_id=pk,
            report_id=data.validated_data["report"],
            note=data.validated_data.get("note", ""),
        )
        case = selectors.case_get(viewer=viewer, id=link.case_id)
        return Response(
            LinkedReportOutputSerializer(
                selectors.case_reports(viewer=viewer, case=case), many=True
            ).data,
            status=status.HTTP_201_CREATED,
        )


class CaseTimelineApi(APIView):
    @extend_schema(responses=CaseTimelineOutputSerializer(many=True))
    def get(self, request, pk):
        entries = selectors.case_timeline(viewer=viewer_for_request(request), case_id=pk)
        return Response(CaseTimelineOutputSerializer(entries, many=True).data)


class CaseAgreementsApi(APIView):
    """Task agreements of the case; or record one."""

    @extend_schema(responses=AgreementOutputSerializer(many=True))
    def get(self, request, pk):
        agreements = selectors.case_agreements(viewer=viewer_for_request(request), case_id=pk)
        return Response(AgreementOutputSerializer(agreements, many=True).data)

    @extend_schema(request=AgreementInputSerializer, responses={201: AgreementOutputSerializer})
    def post(self, request, pk):
        data = AgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        agreement = services.agreement_record(
            actor=viewer_for_request(request),
            case_id=pk,
            topic=d["topic"],
            description=d.get("description", ""),
            organisation_id=d.get("organisation"),
        )
        return Response(AgreementOutputSerializer(agreement).data, status=status.HTTP_201_CREATED)


class CaseAgreementAnswerApi(APIView):
    """The organisation a task is expected of accepts or declines it."""

    @extend_schema(request=AgreementAnswerInputSerializer, responses=AgreementOutputSerializer)
    def post(self, request, pk, agreement_id):
        data = AgreementAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_answer(
            actor=viewer_for_request(request),
            case_id=pk,
            agreement_id=agreement_id,
            accept=data.validated_data["accept"],
            note=data.validated_data.get("note", ""),
        )
        return Response(AgreementOutputSerializer(agreement).data)


class CaseMismatchesApi(APIView):
    """Diverging expectations of the case's task agreements, in words."""

    @extend_schema(responses=MismatchOutputSerializer(many=True))
    def get(self, request, pk):
        found = selectors.case_mismatches(viewer=viewer_for_request(request), case_id=pk)
        return Response(MismatchOutputSerializer(found, many=True).data)


class CaseActionsApi(APIView):
    """Shared actions of the case; or agree one."""

    @extend_schema(responses=ActionOutputSerializer(many=True))
    def get(self, request, pk):
        actions = selectors.case_actions(viewer=viewer_for_request(request), case_id=pk)
        return Response(ActionOutputSerializer(actions, many=True).data)

    @extend_schema(request=ActionInputSerializer, responses={201: ActionOutputSerializer})
    def post(self, request, pk):
        data = ActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        action = services.action_create(
            actor=viewer_for_request(request),
            case_id=pk,
            description=d["description"],
            owner_organisation_id=d["owner_organisation"],
            owner_id=d.get("owner"),
            due_date=d["due_date"],
        )
        return Response(ActionOutputSerializer(action).data, status=status.HTTP_201_CREATED)


class CaseActionDetailApi(APIView):
    """One action; a change names the version it starts from (no lost update)."""

    @extend_schema(responses=ActionOutputSerializer)
    def get(self, request, pk, action_id):
        _case, action = selectors.case_action_get(
            viewer=viewer_for_request(request), case_id=pk, action_id=action_id
        )
        return Response(ActionOutputSerializer(action).data)

    @extend_schema(request=ActionChangeInputSerializer, responses=ActionOutputSerializer)
    def patch(self, request, pk, action_id):
        data = ActionChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        _case, action = selectors.case_action_get(viewer=viewer, case_id=pk, action_id=action_id)
        action = services.action_update(
            actor=viewer,
            case_id=pk,
            action_id=action.pk,
            version=d["version"],
            description=d.get("description", action.description),
            owner_organisation_id=d.get("owner_organisation", action.owner_organisation_id),
            owner_id=d.get("owner", action.owner_id),
            due_date=d.get("due_date", action.due_date),
            status=d.get("status", action.status),
            outcome=d.get("outcome", action.outcome),
        )
        return Response(ActionOutputSerializer(action).data)


def _meeting(viewer, case_id, meeting_id) -> dict:
    page = selectors.meeting_page(viewer=viewer, case_id=case_id, meeting_id=meeting_id)
    data = MeetingListOutputSerializer(page.meeting).data
    data.update(
        minutes=page.meeting.minutes,
        agenda=AgendaItemOutputSerializer(page.agenda, many=True).data,
        attendance=AttendanceOutputSerializer(page.attendance, many=True).data,
        decisions=DecisionOutputSerializer(page.decisions, many=True).data,
    )
    return data


class CaseMeetingsApi(APIView):
    """Meetings of the case; or schedule one (its agenda is generated)."""

    @extend_schema(responses=MeetingListOutputSerializer(many=True))
    def get(self, request, pk):
        meetings = selectors.case_meetings(viewer=viewer_for_request(request), case_id=pk)
        return Response(MeetingListOutputSerializer(meetings, many=True).data)

    @extend_schema(request=MeetingInputSerializer, responses={201: MeetingDetailOutputSerializer})
    def post(self, request, pk):
        data = MeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        meeting = services.meeting_schedule(
            actor=viewer,
            case_id=pk,
            title=d["title"],
            starts_at=d["starts_at"],
            location=d.get("location", ""),
            held=d.get("held", False),
        )
        return Response(_meeting(viewer, pk, meeting.pk), status=status.HTTP_201_CREATED)


class CaseMeetingDetailApi(APIView):
    @extend_schema(responses=MeetingDetailOutputSerializer)
    def get(self, request, pk, meeting_id):
        return Response(_meeting(viewer_for_request(request), pk, meeting_id))


class CaseMeetingAttendanceApi(APIView):
    """Who attended (people named on the case; mandate from their membership)."""

    @extend_schema(request=AttendanceInputSerializer, responses=MeetingDetailOutputSerializer)
    def post(self, request, pk, meeting_id):
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.meeting_attendance_set(
            actor=viewer,
            case_id=pk,
            meeting_id=meeting_id,
            user_ids=data.validated_data["attendees"],
        )
        return Response(_meeting(viewer, pk, meeting_id))


class CaseMeetingDecisionsApi(APIView):
    """Record a decision (flagged when outside the decider's mandate), with its action."""

    @extend_schema(request=DecisionInputSerializer, responses={201: MeetingDetailOutputSerializer})
    def post(self, request, pk, meeting_id):
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        action = d.get("action")
        services.decision_record(
            actor=viewer,
            case_id=pk,
            meeting_id=meeting_id,
            text=d["text"],
            decided_by_user_id=d["decided_by"],
            level=d.get("level"),
            within_may_decide_on=d.get("within_may_decide_on", True),
            action={
                "description": action["description"],
                "owner_organisation_id": action["owner_organisation"],
                "owner_id": action.get("owner"),
                "due_date": action["due_date"],
            }
            if action
            else None,
        )
        return Response(_meeting(viewer, pk, meeting_id), status=status.HTTP_201_CREATED)


def _phase(viewer, case_id) -> dict:
    case = selectors.case_get(viewer=viewer, id=case_id)
    checklist = selectors.case_checklist(viewer=viewer, case_id=case.pk)
    return PhaseOutputSerializer({"phase": case.phase, "checklist": checklist}).data


class CasePhaseApi(APIView):
    """The case's phase and its checklist; or move it to another phase."""

    @extend_schema(responses=PhaseOutputSerializer)
    def get(self, request, pk):
        return Response(_phase(viewer_for_request(request), pk))

    @extend_schema(request=PhaseMoveInputSerializer, responses=PhaseOutputSerializer)
    def post(self, request, pk):
        data = PhaseMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        services.phase_move(
            actor=viewer,
            case_id=pk,
            to_phase=d["to_phase"],
            note=d["note"],
            skip_reason=d.get("skip_reason", ""),
        )
        return Response(_phase(viewer, pk))


class CasePhaseItemsApi(APIView):
    """Tick a checklist item by hand, with a note."""

    @extend_schema(request=PhaseItemInputSerializer, responses=PhaseOutputSerializer)
    def post(self, request, pk):
        data = PhaseItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.phase_item_tick(
            actor=viewer,
            case_id=pk,
            item=data.validated_data["item"],
            note=data.validated_data["note"],
        )
        return Response(_phase(viewer, pk))


class CaseEscalationsApi(APIView):
    """The case's escalations, newest first; or take a question to a higher level."""

    @extend_schema(responses=EscalationOutputSerializer(many=True))
    def get(self, request, pk):
        found = selectors.case_escalations(viewer=viewer_for_request(request), case_id=pk)
        return Response(EscalationOutputSerializer(found, many=True).data)

    @extend_schema(request=EscalationInputSerializer, responses={201: EscalationOutputSerializer})
    def post(self, request, pk):
        data = EscalationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        escalation = services.escalation_raise(
            actor=viewer,
            case_id=pk,
            level=d["level"],
            question=d["question"],
            organisation_id=d.get("organisation"),
        )
        page = selectors.escalation_page(viewer=viewer, id=escalation.pk)
        return Response(
            EscalationOutputSerializer(page.escalation).data, status=status.HTTP_201_CREATED
        )


class CaseEscalationTakeUpApi(APIView):
    """The table takes an escalation's answer up."""

    @extend_schema(request=None, responses=EscalationOutputSerializer)
    def post(self, request, pk, escalation_id):
        viewer = viewer_for_request(request)
        services.escalation_close(actor=viewer, case_id=pk, escalation_id=escalation_id)
        page = selectors.escalation_page(viewer=viewer, id=escalation_id)
        return Response(EscalationOutputSerializer(page.escalation).data)


class EscalationsWaitingApi(APIView):
    """What waits for the caller: escalations to answer, and answers to take up."""

    @extend_schema(
        operation_id="cases_escalations_waiting", responses=EscalationsWaitingOutputSerializer
    )
    def get(self, request):
        waiting = selectors.escalations_waiting(viewer=viewer_for_request(request))
        return Response(EscalationsWaitingOutputSerializer(waiting).data)


class EscalationDetailApi(APIView):
    """One escalation, for whoever sees its case or is addressed."""

    @extend_schema(responses=EscalationOutputSerializer)
    def get(self, request, escalation_id):
        page = selectors.escalation_page(viewer=viewer_for_request(request), id=escalation_id)
        return Response(EscalationOutputSerializer(page.escalation).data)


class EscalationAnswerApi(APIView):
    """Answer an escalation addressed to the caller (once)."""

    @extend_schema(request=EscalationAnswerInputSerializer, responses=EscalationOutputSerializer)
    def post(self, request, escalation_id):
        data = EscalationAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        services.escalation_answer(
            actor=viewer, escalation_id=escalation_id, answer=data.validated_data["answer"]
        )
        page = selectors.escalation_page(viewer=viewer, id=escalation_id)
        return Response(EscalationOutputSerializer(page.escalation).data)


class CaseFragmentsApi(APIView):
    """Notes, documents and visit reports the caller may see; or add one (multipart for a
    document's file)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=FragmentOutputSerializer(many=True))
    def get(self, request, pk):
        found = selectors.case_fragments(viewer=viewer_for_request(request), case_id=pk)
        return Response(FragmentOutputSerializer(found, many=True).data)

    @extend_schema(
        request={"multipart/form-data": FragmentInputSerializer},
        responses={201: FragmentOutputSerializer},
    )
    def post(self, request, pk):
        data = FragmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        upload = d.get("file")
        viewer = viewer_for_request(request)
        fragment = services.fragment_add(
            actor=viewer,
            case_id=pk,
            kind=d["kind"],
            title=d["title"],
            text=d.get("text", ""),
            audience=d.get("audience") or FragmentAudience.ALL,
            organisation_ids=d.get("organisations") or [],
            residents_may_be_told=d.get("residents_may_be_told", False),
            data_category=d.get("data_category") or "",
            visited_on=d.get("visited_on"),
            file_name=upload.name if upload else "",
            file_data=upload.read() if upload else None,
        )
        fragment = selectors.case_fragment_get(viewer=viewer, case_id=pk, fragment_id=fragment.pk)
        return Response(FragmentOutputSerializer(fragment).data, status=status.HTTP_201_CREATED)


class MinutesMailingOutputSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting_id")
    requested_at = serializers.DateTimeField(source="created_at")
    sent_at = serializers.DateTimeField(allow_null=True)


class CaseMeetingMinutesSendApi(APIView):
    """Send the minutes (PDF) to the people named on the case, in the background; once."""

    @extend_schema(request=None, responses={202: MinutesMailingOutputSerializer})
    def post(self, request, pk, meeting_id):
        mailing = services.meeting_minutes_send(
            actor=viewer_for_request(request), case_id=pk, meeting_id=meeting_id
        )
        return Response(
            MinutesMailingOutputSerializer(mailing).data, status=status.HTTP_202_ACCEPTED
        )
