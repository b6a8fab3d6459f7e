"""REST API of residents: the same selectors, need-to-know and audit entries as the pages.

A resident's fields that the caller may not see are absent from the answer (not empty):
every field of the output serializers is optional and the selectors leave out the keys.
"""

from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from wijkregie.core.api import EmailOrBlankField, IdField
from wijkregie.core.exceptions import NotFound
from wijkregie.core.models import Job
from wijkregie.partners.selectors import viewer_for_request
from wijkregie.residents import selectors, services
from wijkregie.residents.forms import SUMMARY_MAX_LENGTH
from wijkregie.residents.models import ConsentPurpose, ConsentSource, ContactChannel

# --- output ----------------------------------------------------------------------------------


class ResidentUnitOutputSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    building_id = serializers.IntegerField()
    building = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    floor = serializers.IntegerField()
    entrance = serializers.CharField()


class ResidentListOutputSerializer(serializers.Serializer):
    """A resident in a list. Only `id` is always there; the rest only where allowed."""

    id = serializers.IntegerField()
    relation_number = serializers.CharField(required=False)
    given_name = serializers.CharField(required=False)
    family_name = serializers.CharField(required=False)
    preferred_language = serializers.CharField(required=False, help_text="ISO 639-1 language code.")
    units = ResidentUnitOutputSerializer(many=True, required=False, help_text="Current units.")
    email = EmailOrBlankField(required=False)
    phone = serializers.CharField(required=False)


class ResidentOccupancyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = ResidentUnitOutputSerializer()
    kind = serializers.CharField(help_text="main_tenant, co_tenant or other_occupant.")
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    is_current = serializers.BooleanField()


class ResidentConsentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField(
        help_text="newsletter_email, chat, share_with_partners or contact_again."
    )
    channel = serializers.CharField(help_text="How to be contacted (contact_again); blank: any.")
    given_at = serializers.DateTimeField()
    given_source = serializers.CharField(
        help_text="door, form, letter_reply, phone, email, evening, import or staff."
    )
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_source = serializers.CharField(help_text="How it was withdrawn; blank while open.")
    is_current = serializers.BooleanField()


class ResidentDetailOutputSerializer(ResidentListOutputSerializer):
    """One resident. Consents (open ones first, then the history) and occupancies are the
    landlord's administration."""

    consents = ResidentConsentOutputSerializer(many=True, required=False)
    occupancies = ResidentOccupancyOutputSerializer(many=True, required=False)


class ResidentPageOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ResidentListOutputSerializer(many=True)


class ResidentContactMomentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    summary = serializers.CharField()
    organisation = serializers.CharField()
    recorded_by = serializers.CharField()


class ResidentImportErrorOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="1 is the header; null: the file.")
    column = serializers.CharField()
    message = serializers.CharField()


class ResidentImportJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    file_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Job.Status.choices)
    language = serializers.CharField()
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    errors = ResidentImportErrorOutputSerializer(many=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


# --- residents -------------------------------------------------------------------------------


class ResidentListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        building = IdField(required=False)
        search = serializers.CharField(required=False, allow_blank=True, max_length=100)
        page = serializers.IntegerField(required=False, min_value=1, default=1)
        page_size = serializers.IntegerField(
            required=False, min_value=1, max_value=selectors.MAX_PAGE_SIZE, default=50
        )

    @extend_schema(
        operation_id="residents_list",
        parameters=[FilterSerializer],
        responses=ResidentPageOutputSerializer,
        description="The residents the caller may see, with only the fields the caller may "
        "see. Every call is recorded in the audit trail.",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        page = selectors.resident_list(
            viewer=viewer_for_request(request),
            building_id=data.get("building"),
            search=data.get("search") or None,
            page=data["page"],
            page_size=data["page_size"],
        )
        url = request.build_absolute_uri()
        return Response(
            {
                "count": page.count,
                "next": replace_query_param(url, "page", page.page + 1) if page.has_next else None,
                "previous": (
                    (
                        replace_query_param(url, "page", page.page - 1)
                        if page.page > 2
                        else remove_query_param(url, "page")
                    )
                    if page.has_previous
                    else None
                ),
                "results": ResidentListOutputSerializer(page.items, many=True).data,
            }
        )


class ResidentDetailApi(APIView):
    @extend_schema(
        operation_id="residents_retrieve",
        responses=ResidentDetailOutputSerializer,
        description="One resident; 404 both when it does not exist and when the caller may "
        "not see it.",
    )
    def get(self, request, pk: int):
        resident = selectors.resident_get(viewer=viewer_for_request(request), id=pk)
        return Response(ResidentDetailOutputSerializer(resident).data)


class ResidentConsentApi(APIView):
    class ConsentInputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
        given = serializers.BooleanField(help_text="true: the resident gives it; false: withdraws.")
        source = serializers.ChoiceField(
            choices=[c for c in ConsentSource.choices if c[0] not in ("import", "unsubscribe")],
            help_text="How the resident said so.",
        )
        channel = serializers.ChoiceField(
            choices=["", "visit", "phone", "letter", "email"],
            required=False,
            default="",
            help_text="For contact_again: how to be approached; blank: any way.",
        )

    @extend_schema(
        operation_id="residents_consents_list",
        responses=ResidentConsentOutputSerializer(many=True),
        description="The resident's consents, open ones first, then the history. The "
        "landlord's administration: 404 for anyone else.",
    )
    def get(self, request, pk: int):
        resident = selectors.resident_get(viewer=viewer_for_request(request), id=pk)
        if "consents" not in resident:
            raise NotFound(_("Resident not found."))
        return Response(ResidentConsentOutputSerializer(resident["consents"], many=True).data)

    @extend_schema(
        operation_id="residents_consents_record",
        request=ConsentInputSerializer,
        responses={200: ResidentConsentOutputSerializer(many=True)},
        description="Record that the resident gives or withdraws a consent; answers the "
        "consents as they are now. Giving an open consent again changes nothing.",
    )
    def post(self, request, pk: int):
        serializer = self.ConsentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        viewer = viewer_for_request(request)
        if data["given"]:
            services.contact_consent_give(
                actor=viewer,
                resident_id=pk,
                purpose=data["purpose"],
                source=data["source"],
                channel=data["channel"],
            )
        else:
            services.contact_consent_withdraw(
                actor=viewer, resident_id=pk, purpose=data["purpose"], source=data["source"]
            )
        return self.get(request, pk)


class ResidentContactMomentListApi(APIView):
    class ContactMomentInputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=ContactChannel.choices)
        summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)
        occurred_at = serializers.DateTimeField(required=False)
        organisation = IdField(
            required=False, help_text="For which of your organisations; needed if several."
        )

    @extend_schema(
        operation_id="residents_contact_moments_list",
        responses=ResidentContactMomentOutputSerializer(many=True),
    )
    def get(self, request, pk: int):
        history = selectors.resident_contact_history(
            viewer=viewer_for_request(request), resident_id=pk
        )
        return Response(ResidentContactMomentOutputSerializer(history, many=True).data)

    @extend_schema(
        operation_id="residents_contact_moments_create",
        request=ContactMomentInputSerializer,
        responses={201: ResidentContactMomentOutputSerializer},
    )
    def post(self, request, pk: int):
        serializer = self.ContactMomentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moment = services.contact_moment_record(
            actor=viewer_for_request(request),
            resident_id=pk,
            channel=data["channel"],
            summary=data["summary"],
            occurred_at=data.get("occurred_at"),
            organisation_id=data.get("organisation"),
        )
        return Response(
            ResidentContactMomentOutputSerializer(
                {
                    "id": moment.pk,
                    "occurred_at": moment.occurred_at,
                    "channel": moment.channel,
                    "summary": moment.summary,
                    "organisation": moment.organisation.name,
                    "recorded_by": request.user.get_username(),
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


# --- import ----------------------------------------------------------------------------------


class ResidentImportStartApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class ResidentImportInputSerializer(serializers.Serializer):
        organisation = IdField(help_text="The landlord to import for.")
        file = serializers.FileField(allow_empty_file=True, help_text="The CSV file.")
        language = serializers.ChoiceField(
            choices=[("nl", "nl"), ("en", "en")],
            required=False,
            default="nl",
            help_text="Language of the per-row report.",
        )

    @extend_schema(
        operation_id="residents_imports_create",
        request={"multipart/form-data": ResidentImportInputSerializer},
        responses={202: ResidentImportJobOutputSerializer},
        description="Upload a housing-ERP CSV of residents and occupancies; it is checked and "
        "imported in the background. Poll the job for its progress and report.",
    )
    def post(self, request):
        serializer = self.ResidentImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = services.residents_import_start(
            actor=viewer_for_request(request),
            organisation_id=data["organisation"],
            file_name=data["file"].name,
            content=data["file"].read(),
            language=data["language"],
        )
        return Response(
            ResidentImportJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED
        )


class ResidentImportDetailApi(APIView):
    @extend_schema(
        operation_id="residents_imports_retrieve", responses=ResidentImportJobOutputSerializer
    )
    def get(self, request, pk: int):
        job = selectors.import_job_get(viewer=viewer_for_request(request), id=pk)
        return Response(ResidentImportJobOutputSerializer(job).data)
