"""Private REST API of newsletters under /api/v1/communications/newsletters/.

The same need-to-know as the pages: a newsletter of another organisation is a 404, like a
missing one; recipients' names only for those who may see the landlord's residents.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie.communications import links
from wijkregie.communications.models import (
    BODY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeliveryChannel,
    DeliveryStatus,
    NewsletterStatus,
)
from wijkregie.communications.selectors import newsletters as selectors
from wijkregie.communications.services import newsletters as services
from wijkregie.core.api import IdField, Pagination
from wijkregie.core.exceptions import PermissionDenied
from wijkregie.partners.selectors import viewer_for_request


class TextField(serializers.CharField):
    """A string, and only a string (DRF's CharField would take 0 for "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VersionOutputSerializer(serializers.Serializer):
    language = serializers.CharField()
    subject = serializers.CharField()
    body_html = serializers.CharField(help_text="Sanitised HTML.")
    updated_at = serializers.DateTimeField()


class NewsletterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=NewsletterStatus.choices)
    organisation = RefSerializer()
    buildings = RefSerializer(many=True)
    languages = serializers.ListField(child=serializers.CharField())
    public_url = serializers.CharField(
        allow_null=True, help_text="The public page (after sending); no personal data."
    )
    sent_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NewsletterDetailOutputSerializer(NewsletterOutputSerializer):
    versions = VersionOutputSerializer(many=True)
    deliveries = serializers.DictField(
        child=serializers.IntegerField(), help_text="Number of deliveries by status."
    )


class SavedVersionOutputSerializer(serializers.Serializer):
    newsletter = NewsletterDetailOutputSerializer()
    removed = serializers.ListField(
        child=serializers.CharField(), help_text="What the sanitiser removed from the text."
    )


class NewsletterCreateInputSerializer(serializers.Serializer):
    title = TextField(max_length=TITLE_MAX_LENGTH)
    buildings = serializers.ListField(child=IdField(), min_length=1)
    subject = TextField(max_length=SUBJECT_MAX_LENGTH, help_text="Dutch subject.")
    body = TextField(max_length=BODY_MAX_LENGTH, help_text="Dutch text (HTML).")
    organisation = IdField(required=False)


class NewsletterUpdateInputSerializer(serializers.Serializer):
    title = TextField(max_length=TITLE_MAX_LENGTH)
    buildings = serializers.ListField(child=IdField(), min_length=1)


class VersionInputSerializer(serializers.Serializer):
    subject = TextField(max_length=SUBJECT_MAX_LENGTH)
    body = TextField(max_length=BODY_MAX_LENGTH)


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    resident_id = serializers.IntegerField(allow_null=True)
    resident_name = serializers.CharField(
        allow_null=True, help_text="Null when the caller may not see the residents."
    )
    channel = serializers.ChoiceField(choices=DeliveryChannel.choices)
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    sent_at = serializers.DateTimeField(allow_null=True)
    event_at = serializers.DateTimeField(allow_null=True)
    event_detail = serializers.CharField()


def _summary(newsletter) -> dict:
    return {
        "id": newsletter.pk,
        "title": newsletter.title,
        "status": newsletter.status,
        "organisation": {"id": newsletter.organisation_id, "name": newsletter.organisation.name},
        "buildings": [{"id": b.pk, "name": b.name} for b in newsletter.buildings.all()],
        "languages": [v.language for v in newsletter.versions.all()],
        "public_url": links.public_url(newsletter)
        if newsletter.status != NewsletterStatus.DRAFT
        else None,
        "sent_at": newsletter.sent_at,
        "created_at": newsletter.created_at,
    }


def _detail(viewer, pk) -> dict:
    newsletter = selectors.newsletter_get(viewer=viewer, id=pk)
    return {
        **_summary(newsletter),
        "versions": VersionOutputSerializer(newsletter.versions.all(), many=True).data,
        "deliveries": selectors.delivery_counts(newsletter),
    }


def _manager(request):
    viewer = viewer_for_request(request)
    if not selectors.may_manage(viewer):
        raise PermissionDenied("You may not write newsletters.")
    return viewer


class NewsletterListApi(APIView):
    """The newsletters of the caller's organisations, newest first; or write one."""

    pagination_class = Pagination

    @extend_schema(responses=NewsletterOutputSerializer(many=True))
    def get(self, request):
        viewer = _manager(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.newsletter_list(viewer=viewer), request, view=self
        )
        return paginator.get_paginated_response([_summary(n) for n in page])

    @extend_schema(
        request=NewsletterCreateInputSerializer, responses={201: SavedVersionOutputSerializer}
    )
    def post(self, request):
        viewer = _manager(request)
        data = NewsletterCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        newsletter, removed = services.newsletter_create(
            actor=viewer,
            title=d["title"],
            building_ids=d["buildings"],
            subject=d["subject"],
            body=d["body"],
            organisation_id=d.get("organisation"),
        )
        return Response(
            {"newsletter": _detail(viewer, newsletter.pk), "removed": [str(r) for r in removed]},
            status=status.HTTP_201_CREATED,
        )


class NewsletterDetailApi(APIView):
    @extend_schema(responses=NewsletterDetailOutputSerializer)
    def get(self, request, pk):
        return Response(_detail(viewer_for_request(request), pk))

    @extend_schema(
        request=NewsletterUpdateInputSerializer, responses=NewsletterDetailOutputSerializer
    )
    def patch(self, request, pk):
        viewer = viewer_for_request(request)
        data = NewsletterUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.newsletter_update(
            actor=viewer,
            newsletter_id=pk,
            title=data.validated_data["title"],
            building_ids=data.validated_data["buildings"],
        )
        return Response(_detail(viewer, pk))


class NewsletterVersionApi(APIView):
    """Write or remove the version in one of the residents' languages."""

    @extend_schema(request=VersionInputSerializer, responses=SavedVersionOutputSerializer)
    def put(self, request, pk, language):
        viewer = viewer_for_request(request)
        data = VersionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _version, removed = services.version_save(
            actor=viewer,
            newsletter_id=pk,
            language=language,
            subject=data.validated_data["subject"],
            body=data.validated_data["body"],
        )
        return Response({"newsletter": _detail(viewer, pk), "removed": [str(r) for r in removed]})

    @extend_schema(responses={204: None})
    def delete(self, request, pk, language):
        services.version_delete(
            actor=viewer_for_request(request), newsletter_id=pk, language=language
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class NewsletterSendApi(APIView):
    """Send by e-mail to the residents who consent now (in the background)."""

    @extend_schema(request=None, responses={202: NewsletterDetailOutputSerializer})
    def post(self, request, pk):
        viewer = viewer_for_request(request)
        services.newsletter_send(actor=viewer, newsletter_id=pk)
        return Response(_detail(viewer, pk), status=status.HTTP_202_ACCEPTED)


class NewsletterDeliveriesApi(APIView):
    """Who received the newsletter how (names only for those who may see the residents)."""

    @extend_schema(responses=DeliveryOutputSerializer(many=True))
    def get(self, request, pk):
        viewer = viewer_for_request(request)
        newsletter = selectors.newsletter_get(viewer=viewer, id=pk)
        rows = selectors.delivery_list(viewer=viewer, newsletter=newsletter)
        return Response(DeliveryOutputSerializer([r.__dict__ for r in rows], many=True).data)
