"""REST API of places under /api/v1/places/: thin views over the selectors and services.

The same need-to-know as the pages: the viewer comes from
`partners.selectors.viewer_for_request`, so an organisation token sees only what its
organisation may see; missing and forbidden are both 404.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.models import Job
from wijkregie.partners.selectors import viewer_for_request
from wijkregie.places import selectors, services
from wijkregie.places.models import Building, CommonArea, CommonAreaKind, Unit
from wijkregie.places.unit_import import too_large_message


class _OrganisationRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _NeighbourhoodRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    municipality = serializers.CharField()


class BuildingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    floors = serializers.IntegerField(help_text="Number of storeys; floors run from 0.")
    entrances = serializers.ListField(child=serializers.CharField())
    bag_pand_id = serializers.CharField(help_text="16 digits, or empty.")
    latitude = serializers.FloatField(allow_null=True, help_text="WGS84 degrees, or null.")
    longitude = serializers.FloatField(allow_null=True, help_text="WGS84 degrees, or null.")
    owner = _OrganisationRef()
    neighbourhood = _NeighbourhoodRef(allow_null=True)
    unit_count = serializers.IntegerField()
    public_report_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_report_url(self, obj) -> str:
        return selectors.building_public_report_url(obj)


class UnitOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    building_id = serializers.IntegerField()
    bag_id = serializers.CharField(allow_null=True, help_text="16 digits, kept as text.")
    postcode = serializers.CharField()
    house_number = serializers.IntegerField()
    house_letter = serializers.CharField()
    house_number_addition = serializers.CharField()
    address = serializers.CharField(help_text="House number with letter and addition.")
    floor = serializers.IntegerField()
    entrance = serializers.CharField()


class CommonAreaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CommonAreaKind.choices)
    name = serializers.CharField()
    entrance = serializers.CharField()
    floor = serializers.IntegerField(allow_null=True)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Row as a spreadsheet shows it (the header is row 1)."
    )
    column = serializers.CharField()
    message = serializers.CharField()


class ImportJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Job.Status.choices)
    building_id = serializers.IntegerField(source="target_id")
    file_name = serializers.CharField()
    language = serializers.CharField()
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class BuildingListApi(generics.ListAPIView):
    """The buildings the caller may see (owner or partner organisation)."""

    queryset = Building.objects.none()
    serializer_class = BuildingOutputSerializer
    filter_backends: list = []

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100)

    @extend_schema(parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.building_list(
            viewer=viewer_for_request(self.request), filters=filters.validated_data
        )


class BuildingDetailApi(generics.RetrieveAPIView):
    queryset = Building.objects.none()
    serializer_class = BuildingOutputSerializer
    filter_backends: list = []

    def get_object(self):
        building = selectors.building_get(
            viewer=viewer_for_request(self.request), id=self.kwargs["pk"]
        )
        building.unit_count = selectors.building_unit_count(building=building)
        return building


class UnitListApi(generics.ListAPIView):
    """The units of one building, by entrance, floor and house number."""

    queryset = Unit.objects.none()
    serializer_class = UnitOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.unit_list(
            viewer=viewer_for_request(self.request), building_id=self.kwargs["building_id"]
        )


class UnitDetailApi(generics.RetrieveAPIView):
    queryset = Unit.objects.none()
    serializer_class = UnitOutputSerializer
    filter_backends: list = []

    def get_object(self):
        return selectors.unit_get(
            viewer=viewer_for_request(self.request),
            id=self.kwargs["pk"],
            building_id=self.kwargs["building_id"],
        )


class CommonAreaListApi(generics.ListAPIView):
    queryset = CommonArea.objects.none()
    serializer_class = CommonAreaOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.common_area_list(
            viewer=viewer_for_request(self.request), building_id=self.kwargs["building_id"]
        )


class UnitImportStartApi(APIView):
    """Upload a CSV of units; the import runs in the background (202 + the job).

    Needs `places.import_units` in the building's owner organisation. Poll the job's
    URL (the Location header) for progress and, when rejected, the per-row report.
    """

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="CSV, UTF-8, ',' or ';' separated.")
        language = serializers.ChoiceField(
            choices=[code for code, _name in settings.LANGUAGES],
            required=False,
            help_text="Language of the error report; default: the request's language.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={202: ImportJobOutputSerializer},
    )
    def post(self, request, building_id):
        viewer = viewer_for_request(request)
        building = selectors.building_get_for_change(
            viewer=viewer, id=building_id, permission=selectors.IMPORT_UNITS
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > settings.WIJKREGIE_IMPORT_MAX_BYTES:
            raise ApplicationError(too_large_message())  # refused before reading it
        job = services.units_import_start(
            actor=viewer,
            organisation_id=building.owner_id,
            building_id=building.pk,
            file_name=upload.name,
            content=upload.read(),
            language=data.validated_data.get("language") or get_language() or "nl",
        )
        return Response(
            ImportJobOutputSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("places_api:import_job", args=[job.pk])},
        )


class UnitImportJobDetailApi(APIView):
    @extend_schema(responses=ImportJobOutputSerializer)
    def get(self, request, pk):
        job = selectors.units_import_job_get(viewer=viewer_for_request(request), id=pk)
        return Response(ImportJobOutputSerializer(job).data)
