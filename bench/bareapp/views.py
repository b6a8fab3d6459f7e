"""POST a form-encoded report, validate it with a DRF serializer, insert one row, answer 201.

The same parsers, middleware and settings as the product; no authentication, permission
or throttling classes (the public intake has its own), so only the framework remains.
"""

from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.bareapp.models import BareReport


class BareReportSerializer(serializers.Serializer):
    service_code = serializers.CharField(max_length=40)
    building_code = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=5000)
    email = serializers.EmailField(required=False, allow_blank=True)


class BareReportCreate(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    parser_classes = [FormParser, JSONParser]

    def post(self, request):
        serializer = BareReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = BareReport.objects.create(**serializer.validated_data)
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)
