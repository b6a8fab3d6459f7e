"""Private REST API of reports under /api/v1/reports/ (intake): thin over selectors/services.

The same need-to-know as the pages: the viewer comes from
`partners.selectors.viewer_for_request`; missing and forbidden reports are both 404.
No serializer here has a field of the reporter's identity except
`ReporterOutputSerializer`, which is filled from `selectors.reporter_identity_get` only.
"""

from django.utils.translation import get_language

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.core.api import IdField, Pagination
from wijkregie.partners.selectors import viewer_for_request
from wijkregie.reports import selectors, services
from wijkregie.reports.location import location_label
from wijkregie.reports.models import Channel, ContactMode, Lateness, LocationKind, MessageDirection
from wijkregie.reports.workflows import ReportStatus

# --- Output ------------------------------------------------------------------------------


class _Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    name = serializers.SerializerMethodField()
    resident_hint = serializers.SerializerMethodField()
    names = serializers.DictField(child=serializers.CharField(), source="name")
    is_urgent = serializers.BooleanField()
    is_contact_request = serializers.BooleanField()
    response_target_days = serializers.IntegerField()
    active = serializers.BooleanField()

    def get_name(self, obj) -> str:
        return obj.name_in(get_language())

    def get_resident_hint(self, obj) -> str:
        return obj.hint_in(get_language())


class _AssigneeRef(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership id.")
    name = serializers.CharField()


class _CategoryRef(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.name_in(get_language())


class ReportListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    category = _CategoryRef()
    building = _Ref()
    location_kind = serializers.ChoiceField(choices=LocationKind.choices)
    location = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    lateness = serializers.ChoiceField(choices=Lateness.choices)
    receiving_organisation = _Ref()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    assigned_to = serializers.SerializerMethodField()
    reply_waiting = serializers.BooleanField()
    duplicate_of_id = serializers.IntegerField(allow_null=True)

    def get_location(self, obj) -> str:
        return location_label(obj)

    @extend_schema_field(_AssigneeRef(allow_null=True))
    def get_assigned_to(self, obj) -> dict | None:
        if obj.assigned_to_id is None:
            return None
        user = obj.assigned_to.user
        return {"id": obj.assigned_to_id, "name": user.get_full_name() or user.get_username()}


class ReportDetailOutputSerializer(ReportListOutputSerializer):
    unit_id = serializers.IntegerField(allow_null=True)
    floor = serializers.IntegerField(allow_null=True)
    entrance = serializers.CharField()
    common_area_id = serializers.IntegerField(allow_null=True)
    occurred_at = serializers.DateTimeField(allow_null=True)
    occurred_when = serializers.CharField()
    description = serializers.CharField()
    contact_mode = serializers.ChoiceField(choices=ContactMode.choices)
    reporter_pseudonym = serializers.SerializerMethodField()
    reopen_count = serializers.IntegerField()
    very_late_at = serializers.DateTimeField()
    allowed_transitions = serializers.SerializerMethodField()
    photo_count = serializers.SerializerMethodField()

    def get_reporter_pseudonym(self, obj) -> str:
        return selectors.reporter_pseudonym(obj, viewer=self.context["viewer"])

    def get_allowed_transitions(self, obj) -> list[str]:
        allowed = selectors.report_allowed_transitions(report=obj)
        if selectors.report_can_forward(report=obj):
            allowed.append(ReportStatus.FORWARDED.value)
        return allowed

    def get_photo_count(self, obj) -> int:
        return obj.photos.count()


class TimelineEntryOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    resident_text = serializers.CharField()
    internal_note = serializers.CharField()
    reason = serializers.CharField()
    actor_label = serializers.CharField()
    organisation_name = serializers.CharField()
    details = serializers.DictField()


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=MessageDirection.choices)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    organisation_id = serializers.IntegerField(allow_null=True)
    read_by_reporter_at = serializers.DateTimeField(allow_null=True)
    read_by_intake_at = serializers.DateTimeField(allow_null=True)


class ReporterOutputSerializer(serializers.Serializer):
    pseudonym = serializers.CharField()
    visible = serializers.BooleanField()
    hidden_reason = serializers.CharField(
        help_text='"", "not_allowed", "not_forwarded" or "none" (no reporter).'
    )
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    ip_address = serializers.CharField()
    language = serializers.CharField()
    consent_to_forward = serializers.BooleanField()
    contact_erased = serializers.BooleanField()


class ForwardOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    receiving_organisation = _Ref()


# --- Input ------------------------------------------------------------------------------------


class ReportFilterSerializer(serializers.Serializer):
    """Filters of the queue; an empty value is no filter."""

    building = IdField(required=False)
    category = IdField(required=False)
    organisation = IdField(required=False)
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    lateness = serializers.ChoiceField(choices=Lateness.choices, required=False, allow_blank=True)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="A tracking code, a house number, an address (street or postcode and "
        "house number) or words of the description or the building's name or street.",
    )
    building_q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of the building's name or street, or its postcode.",
    )
    assigned = serializers.RegexField(
        r"^(me|none|[1-9][0-9]{0,17})$",
        required=False,
        allow_blank=True,
        help_text='"me", "none" or the id of a membership.',
    )
    reply = serializers.ChoiceField(
        choices=[("waiting", "waiting")],
        required=False,
        allow_blank=True,
        help_text="waiting: only reports with a reply of the reporter nobody has read.",
    )
    late = serializers.ChoiceField(
        choices=[("true", "true")],
        required=False,
        allow_blank=True,
        help_text="true: only late and very late reports.",
    )
    scope = serializers.ChoiceField(
        choices=[("open", "open"), ("closed", "closed"), ("all", "all")],
        required=False,
        allow_blank=True,
        help_text="open, closed or all (the default).",
    )
    order = serializers.ChoiceField(
        choices=[("newest", "newest"), ("work", "work")],
        required=False,
        allow_blank=True,
        help_text="newest (the default) or work: replies waiting first, then very late, late, "
        "the rest; newest first within each.",
    )


class AssignInputSerializer(serializers.Serializer):
    assignee = IdField(
        allow_null=True, help_text="The membership id of a person of the receiving organisation."
    )


class DuplicateInputSerializer(serializers.Serializer):
    duplicate_of = IdField(allow_null=True, help_text="The original report; null: not a duplicate.")
    internal_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class StatusChangeInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=ReportStatus.choices)
    internal_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    resident_text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Empty or absent: the standard text of the new status.",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required for rejected."
    )


class ForwardInputSerializer(serializers.Serializer):
    to_organisation = IdField()
    internal_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    resident_text = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CategoryChangeInputSerializer(serializers.Serializer):
    category = IdField()
    internal_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class ContactLinkInputSerializer(serializers.Serializer):
    resident = IdField(help_text="The resident who sent the request to get in touch.")


class ContactLinkOutputSerializer(serializers.Serializer):
    contact_moment_id = serializers.IntegerField(source="pk")
    resident = serializers.IntegerField(source="resident_id")
    channel = serializers.CharField()
    occurred_at = serializers.DateTimeField()


# --- Views -------------------------------------------------------------------------------------


def _detail(request, report_id) -> Response:
    viewer = viewer_for_request(request)
    report = selectors.report_get(viewer=viewer, id=report_id)
    return Response(ReportDetailOutputSerializer(report, context={"viewer": viewer}).data)


class CategoryListApi(APIView):
    @extend_schema(responses=CategoryOutputSerializer(many=True), operation_id="reports_categories")
    def get(self, request):
        return Response(CategoryOutputSerializer(selectors.category_list(), many=True).data)


class ReportListApi(APIView):
    """The intake queue: reports the viewer's organisations receive, newest first."""

    pagination_class = Pagination  # documented as the page object it answers with

    @extend_schema(
        parameters=[ReportFilterSerializer], responses=ReportListOutputSerializer(many=True)
    )
    def get(self, request):
        filters = ReportFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.report_list(
            viewer=viewer_for_request(request), filters=filters.validated_data
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ReportListOutputSerializer(page, many=True).data)


class ReportAssignApi(APIView):
    """Give the report to a person of its receiving organisation, or to nobody (null)."""

    @extend_schema(request=AssignInputSerializer, responses=ReportDetailOutputSerializer)
    def post(self, request, pk):
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_assign(
            actor=viewer_for_request(request),
            report_id=pk,
            membership_id=data.validated_data["assignee"],
        )
        return _detail(request, report.pk)


class ReportDuplicateApi(APIView):
    """Mark the report a duplicate of another report the organisation receives (null:
    not a duplicate). The original's status changes then reach this report's reporter."""

    @extend_schema(request=DuplicateInputSerializer, responses=ReportDetailOutputSerializer)
    def post(self, request, pk):
        data = DuplicateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        viewer = viewer_for_request(request)
        parent = data.validated_data["duplicate_of"]
        if parent is None:
            report = services.report_unmark_duplicate(actor=viewer, report_id=pk)
        else:
            report = services.report_mark_duplicate(
                actor=viewer,
                report_id=pk,
                duplicate_of_id=parent,
                internal_note=data.validated_data.get("internal_note", ""),
            )
        return _detail(request, report.pk)


class ReportDetailApi(APIView):
    @extend_schema(responses=ReportDetailOutputSerializer)
    def get(self, request, pk):
        return _detail(request, pk)


class ReportStatusChangeApi(APIView):
    @extend_schema(request=StatusChangeInputSerializer, responses=ReportDetailOutputSerializer)
    def post(self, request, pk):
        data = StatusChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        report = services.report_status_change(
            actor=viewer_for_request(request),
            report_id=pk,
            to_status=d["to_status"],
            internal_note=d.get("internal_note", ""),
            resident_text=d.get("resident_text") or None,
            reason=d.get("reason", ""),
        )
        return _detail(request, report.pk)


class ReportForwardApi(APIView):
    @extend_schema(request=ForwardInputSerializer, responses=ForwardOutputSerializer)
    def post(self, request, pk):
        data = ForwardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        report = services.report_forward(
            actor=viewer,
            report_id=pk,
            to_organisation_id=d["to_organisation"],
            internal_note=d.get("internal_note", ""),
            resident_text=d.get("resident_text") or None,
        )
        # The forwarding organisation no longer receives the report: answer with what it
        # still may know, the new status and organisation.
        return Response(ForwardOutputSerializer(report).data)


class ReportCategoryChangeApi(APIView):
    @extend_schema(request=CategoryChangeInputSerializer, responses=ReportDetailOutputSerializer)
    def post(self, request, pk):
        data = CategoryChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_category_change(
            actor=viewer_for_request(request),
            report_id=pk,
            category_id=data.validated_data["category"],
            internal_note=data.validated_data.get("internal_note", ""),
        )
        return _detail(request, report.pk)


class ReportTimelineApi(APIView):
    @extend_schema(responses=TimelineEntryOutputSerializer(many=True))
    def get(self, request, pk):
        entries = selectors.report_timeline(viewer=viewer_for_request(request), report_id=pk)
        return Response(TimelineEntryOutputSerializer(entries, many=True).data)


class ReportMessageListApi(APIView):
    """The private thread with the reporter: read it, or send the reporter a question."""

    @extend_schema(responses=MessageOutputSerializer(many=True))
    def get(self, request, pk):
        thread = selectors.report_messages(viewer=viewer_for_request(request), report_id=pk)
        return Response(MessageOutputSerializer(thread, many=True).data)

    @extend_schema(request=MessageInputSerializer, responses={201: MessageOutputSerializer})
    def post(self, request, pk):
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.report_message_to_reporter(
            actor=viewer_for_request(request), report_id=pk, body=data.validated_data["body"]
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)


class ReportContactLinkApi(APIView):
    """Add a request to get in touch to the contact history of the resident who sent it
    (once; intake of the receiving organisation that may see the resident)."""

    @extend_schema(
        request=ContactLinkInputSerializer,
        responses={201: ContactLinkOutputSerializer},
        operation_id="reports_contact_link",
    )
    def post(self, request, pk):
        data = ContactLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moment = services.report_contact_link(
            actor=viewer_for_request(request),
            report_id=pk,
            resident_id=data.validated_data["resident"],
        )
        return Response(ContactLinkOutputSerializer(moment).data, status=status.HTTP_201_CREATED)


class ReporterIdentityApi(APIView):
    """The reporter: identity for intake that may see it (each call audited), else the
    pseudonym."""

    @extend_schema(responses=ReporterOutputSerializer)
    def get(self, request, pk):
        view = selectors.reporter_identity_get(viewer=viewer_for_request(request), report_id=pk)
        return Response(ReporterOutputSerializer(view).data)


# --- Standard texts ------------------------------------------------------------------------


class StandardTextOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    title = serializers.CharField()
    body = serializers.DictField(
        child=serializers.CharField(), help_text="The text per language code (nl required)."
    )
    active = serializers.BooleanField()


class StandardTextInputSerializer(serializers.Serializer):
    organisation = IdField(required=False, help_text="Needed when you do intake for several.")
    title = serializers.CharField(max_length=120)
    body = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=2000))
    active = serializers.BooleanField(required=False, default=True)


class StandardTextListApi(APIView):
    """The standard texts of the organisations the caller does intake for."""

    @extend_schema(
        responses=StandardTextOutputSerializer(many=True), operation_id="standard_texts_list"
    )
    def get(self, request):
        texts = selectors.standard_text_list(
            viewer=viewer_for_request(request), include_inactive=True
        )
        return Response(StandardTextOutputSerializer(texts, many=True).data)

    @extend_schema(
        request=StandardTextInputSerializer,
        responses={201: StandardTextOutputSerializer},
        operation_id="standard_texts_create",
    )
    def post(self, request):
        data = StandardTextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        text = services.standard_text_create(
            actor=viewer_for_request(request),
            organisation_id=data.validated_data.get("organisation"),
            title=data.validated_data["title"],
            body=data.validated_data["body"],
        )
        return Response(StandardTextOutputSerializer(text).data, status=status.HTTP_201_CREATED)


class StandardTextDetailApi(APIView):
    @extend_schema(responses=StandardTextOutputSerializer, operation_id="standard_texts_get")
    def get(self, request, pk):
        text = selectors.standard_text_get(viewer=viewer_for_request(request), id=pk)
        return Response(StandardTextOutputSerializer(text).data)

    @extend_schema(
        request=StandardTextInputSerializer,
        responses=StandardTextOutputSerializer,
        operation_id="standard_texts_update",
    )
    def put(self, request, pk):
        data = StandardTextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        text = services.standard_text_update(
            actor=viewer_for_request(request),
            text_id=pk,
            title=data.validated_data["title"],
            body=data.validated_data["body"],
            active=data.validated_data["active"],
        )
        return Response(StandardTextOutputSerializer(text).data)
