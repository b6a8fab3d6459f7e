"""REST API of letters: templates, batches, their letters and deliveries, review and send.

The same selectors, need-to-know and audit entries as the pages; writes go through the
services. The PDFs themselves are in the pages (letter and print-bundle downloads).
"""

from django.core.exceptions import ValidationError as DjangoValidationError

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.communications import merge_fields
from wijkregie.communications.models.letters import BODY_MAX, SIGNATURE_MAX, SUBJECT_MAX
from wijkregie.communications.selectors import letters as selectors
from wijkregie.communications.services import letters as services
from wijkregie.communications.workflows import BatchStatus, BatchTarget, DeliveryMethod
from wijkregie.core.api import IdField
from wijkregie.core.exceptions import NotFound
from wijkregie.partners.selectors import viewer_for_request

# --- Templates ---------------------------------------------------------------------------------


class LetterTemplateVersionSerializer(serializers.Serializer):
    language = serializers.CharField(max_length=8, help_text="ISO 639-1 code; nl is required.")
    subject = serializers.CharField(max_length=SUBJECT_MAX)
    body = serializers.CharField(
        max_length=BODY_MAX,
        help_text="Paragraphs separated by an empty line; fields as {{ name }}.",
    )
    signature = serializers.CharField(max_length=SIGNATURE_MAX)


class LetterTemplateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField()
    versions = LetterTemplateVersionSerializer(many=True, source="versions.all")


class LetterTemplateInputSerializer(serializers.Serializer):
    organisation = IdField(help_text="The sending organisation.")
    name = serializers.CharField(max_length=200)
    versions = LetterTemplateVersionSerializer(many=True, allow_empty=False)


class LetterTemplateUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    versions = LetterTemplateVersionSerializer(many=True, allow_empty=False)


class MergeFieldOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=[("text", "text"), ("qr", "qr")])


def _versions(items) -> dict:
    return {
        v["language"]: {"subject": v["subject"], "body": v["body"], "signature": v["signature"]}
        for v in items
    }


class LetterTemplateListApi(APIView):
    parser_classes = [JSONParser]  # nested language versions: JSON only

    @extend_schema(
        operation_id="communications_letter_templates_list",
        responses=LetterTemplateOutputSerializer(many=True),
    )
    def get(self, request):
        templates = selectors.letter_template_list(viewer=viewer_for_request(request))
        return Response(LetterTemplateOutputSerializer(templates, many=True).data)

    @extend_schema(
        operation_id="communications_letter_templates_create",
        request=LetterTemplateInputSerializer,
        responses={201: LetterTemplateOutputSerializer},
        description="Unknown merge fields are refused (400) and nothing is stored.",
    )
    def post(self, request):
        data = LetterTemplateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        try:
            template = services.letter_template_create(
                actor=viewer,
                organisation_id=d["organisation"],
                name=d["name"],
                versions=_versions(d["versions"]),
            )
        except NotFound as exc:
            raise DjangoValidationError({"organisation": [exc.message]}) from None
        template = selectors.letter_template_get(viewer=viewer, id=template.pk)
        return Response(
            LetterTemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED
        )


class LetterTemplateDetailApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="communications_letter_templates_retrieve",
        responses=LetterTemplateOutputSerializer,
    )
    def get(self, request, pk: int):
        template = selectors.letter_template_get(viewer=viewer_for_request(request), id=pk)
        return Response(LetterTemplateOutputSerializer(template).data)

    @extend_schema(
        operation_id="communications_letter_templates_update",
        request=LetterTemplateUpdateInputSerializer,
        responses=LetterTemplateOutputSerializer,
    )
    def put(self, request, pk: int):
        data = LetterTemplateUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        template = services.letter_template_update(
            actor=viewer_for_request(request),
            template_id=pk,
            name=d["name"],
            versions=_versions(d["versions"]),
        )
        return Response(LetterTemplateOutputSerializer(template).data)


class MergeFieldListApi(APIView):
    @extend_schema(
        operation_id="communications_merge_fields_list",
        responses=MergeFieldOutputSerializer(many=True),
    )
    def get(self, request):
        selectors.letter_template_list(viewer=viewer_for_request(request))  # signed in
        return Response(
            MergeFieldOutputSerializer(
                [
                    {"name": f.name, "label": str(f.label), "kind": f.kind}
                    for f in merge_fields.registered()
                ],
                many=True,
            ).data
        )


# --- Batches -------------------------------------------------------------------------------------


class LetterBatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    template = serializers.IntegerField(source="template_id")
    target = serializers.ChoiceField(choices=BatchTarget.choices)
    building = serializers.IntegerField(source="building_id")
    floors = serializers.ListField(child=serializers.IntegerField())
    case = serializers.IntegerField(source="case_id", allow_null=True)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    letter_date = serializers.DateField()
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    letter_count = serializers.IntegerField()
    made_count = serializers.IntegerField()
    sent_count = serializers.IntegerField()
    excluded_count = serializers.SerializerMethodField()
    bundle_ready = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by_label")
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)

    def get_excluded_count(self, batch) -> int:
        return len(batch.excluded or [])

    def get_bundle_ready(self, batch) -> bool:
        return batch.bundle_made_at is not None


class LetterBatchInputSerializer(serializers.Serializer):
    organisation = IdField()
    template = IdField()
    title = serializers.CharField(max_length=200)
    target = serializers.ChoiceField(choices=BatchTarget.choices)
    building = IdField(required=False)
    floors = serializers.ListField(
        child=serializers.IntegerField(min_value=-10, max_value=300), required=False, max_length=200
    )
    units = serializers.ListField(child=IdField(), required=False, max_length=5000)
    case = IdField(required=False)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices, default="post")
    letter_date = serializers.DateField(required=False)
    language = serializers.ChoiceField(
        choices=[("nl", "nl"), ("en", "en")], default="nl", help_text="Language of the job report."
    )


class LetterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    reference = serializers.CharField()
    resident = serializers.IntegerField(source="resident_id")
    name = serializers.CharField()
    address = serializers.CharField()
    language = serializers.CharField()
    made = serializers.BooleanField()
    delivery_method = serializers.CharField(help_text="post, email or hand; empty until sent.")
    sent_at = serializers.DateTimeField(allow_null=True)


class LetterBatchListApi(APIView):
    parser_classes = [JSONParser]  # lists of up to 5,000 units: JSON only

    @extend_schema(
        operation_id="communications_letter_batches_list",
        responses=LetterBatchOutputSerializer(many=True),
    )
    def get(self, request):
        batches = selectors.letter_batch_list(viewer=viewer_for_request(request))
        return Response(LetterBatchOutputSerializer(batches, many=True).data)

    @extend_schema(
        operation_id="communications_letter_batches_create",
        request=LetterBatchInputSerializer,
        responses={202: LetterBatchOutputSerializer},
        description="Draft a batch; its letters are made in the background (poll the batch).",
    )
    def post(self, request):
        data = LetterBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        viewer = viewer_for_request(request)
        try:
            batch = self._create(viewer, d)
        except NotFound as exc:  # an id in the body that is not there (or not yours)
            raise DjangoValidationError({"non_field_errors": [exc.message]}) from None
        batch = selectors.letter_batch_get(viewer=viewer, id=batch.pk)
        return Response(LetterBatchOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @staticmethod
    def _create(viewer, d):
        return services.letter_batch_create(
            actor=viewer,
            organisation_id=d["organisation"],
            template_id=d["template"],
            title=d["title"],
            target=d["target"],
            building_id=d.get("building"),
            floors=d.get("floors") or [],
            unit_ids=d.get("units") or [],
            case_id=d.get("case"),
            delivery_method=d["delivery_method"],
            letter_date=d.get("letter_date"),
            language=d["language"],
        )


class LetterBatchDetailApi(APIView):
    @extend_schema(
        operation_id="communications_letter_batches_retrieve",
        responses=LetterBatchOutputSerializer,
    )
    def get(self, request, pk: int):
        batch = selectors.letter_batch_get(viewer=viewer_for_request(request), id=pk)
        return Response(LetterBatchOutputSerializer(batch).data)


class LetterBatchLettersApi(APIView):
    @extend_schema(
        operation_id="communications_letter_batches_letters_list",
        responses=LetterOutputSerializer(many=True),
        description="The letters of a batch in walking order, with their deliveries.",
    )
    def get(self, request, pk: int):
        viewer = viewer_for_request(request)
        batch = selectors.letter_batch_get(viewer=viewer, id=pk)
        letters = selectors.letter_batch_letters(viewer=viewer, batch=batch)
        return Response(LetterOutputSerializer([vars(le) for le in letters], many=True).data)


class LetterBatchReviewApi(APIView):
    @extend_schema(
        operation_id="communications_letter_batches_review",
        request=None,
        responses=LetterBatchOutputSerializer,
        description="Approve a batch: a second person, never its author (400 otherwise).",
    )
    def post(self, request, pk: int):
        viewer = viewer_for_request(request)
        services.letter_batch_review(actor=viewer, batch_id=pk)
        return Response(
            LetterBatchOutputSerializer(selectors.letter_batch_get(viewer=viewer, id=pk)).data
        )


class LetterBatchSendApi(APIView):
    @extend_schema(
        operation_id="communications_letter_batches_send",
        request=None,
        responses={202: LetterBatchOutputSerializer},
        description="Send a reviewed batch: a delivery per resident in the contact history.",
    )
    def post(self, request, pk: int):
        viewer = viewer_for_request(request)
        services.letter_batch_send(actor=viewer, batch_id=pk)
        return Response(
            LetterBatchOutputSerializer(selectors.letter_batch_get(viewer=viewer, id=pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
