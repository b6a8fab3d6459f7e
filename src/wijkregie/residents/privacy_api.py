"""REST API of the privacy officer's tools for residents (core.privacy): the data-subject
export (AVG art. 15) and erasure on request (art. 17). Same rules and audit as the pages."""

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.core import privacy
from wijkregie.partners.selectors import viewer_for_request
from wijkregie.residents.retention import OBJECT_TYPE


class ErasureInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        min_length=privacy.REASON_MIN_LENGTH,
        max_length=privacy.REASON_MAX_LENGTH,
        help_text="Why the data is erased (kept with the request; do not repeat the name).",
    )


class ErasureOutputSerializer(serializers.Serializer):
    request_id = serializers.IntegerField(source="pk")
    erased = serializers.DictField(
        child=serializers.IntegerField(), help_text="Records erased per data category."
    )
    held = serializers.DictField(
        child=serializers.CharField(), help_text="Categories kept, with the retention duty."
    )


class ResidentDataSubjectExportApi(APIView):
    @extend_schema(
        operation_id="residents_data_subject_export",
        responses=OpenApiTypes.OBJECT,
        description="Everything kept on the resident in every app, and who read it "
        "(`core.handle_data_subject_requests`, the landlord's privacy officer). 404 when "
        "the resident does not exist or is not the caller's organisation's.",
    )
    def get(self, request, pk: int):
        export = privacy.data_subject_export(
            viewer=viewer_for_request(request), subject_type=OBJECT_TYPE, subject_id=pk
        )
        return Response(export.as_json())


class ResidentDataSubjectErasureApi(APIView):
    @extend_schema(
        operation_id="residents_data_subject_erase",
        request=ErasureInputSerializer,
        responses={201: ErasureOutputSerializer},
        description="Erase the resident's data in every category no retention duty keeps.",
    )
    def post(self, request, pk: int):
        data = ErasureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = privacy.data_subject_erase(
            actor=viewer_for_request(request),
            subject_type=OBJECT_TYPE,
            subject_id=pk,
            reason=data.validated_data["reason"],
        )
        return Response(ErasureOutputSerializer(done).data, status=status.HTTP_201_CREATED)
