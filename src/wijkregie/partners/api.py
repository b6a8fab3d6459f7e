"""REST API of the partner directory: organisations and memberships.

Reads are directory data for every verified professional or organisation token, scoped by
the selectors; writes need `partners.manage_partners` and go through the services (a token
writes for its own organisation only).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, serializers, status
from rest_framework.response import Response

from wijkregie.core.api import MAX_ID, EmailOrBlankField, Pagination
from wijkregie.core.permissions import IsVerifiedProfessional
from wijkregie.partners import selectors, services
from wijkregie.partners.models import MandateLevel, Membership, Organisation, OrganisationKind
from wijkregie.partners.selectors import viewer_for_request

# --- serializers ----------------------------------------------------------------------------


class OrganisationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    contact_route = serializers.CharField()
    email = EmailOrBlankField()
    phone = serializers.CharField()
    is_active = serializers.BooleanField()


class OrganisationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=60)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    contact_route = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    email = EmailOrBlankField(required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)


class OrganisationUpdateSerializer(OrganisationInputSerializer):
    is_active = serializers.BooleanField(required=False)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")


class RoleRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class MembershipOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = OrganisationRefSerializer()
    person = PersonSerializer(source="user")
    roles = RoleRefSerializer(many=True, source="roles.all")
    job_title = serializers.CharField()
    mandate_level = serializers.ChoiceField(choices=MandateLevel.choices)
    may_decide_on = serializers.CharField()
    work_phone = serializers.CharField()
    work_email = EmailOrBlankField()
    is_active = serializers.BooleanField()


class _MembershipFieldsSerializer(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.SlugField(max_length=60), required=False, max_length=50
    )
    job_title = serializers.CharField(required=False, allow_blank=True, max_length=120)
    mandate_level = serializers.ChoiceField(choices=MandateLevel.choices, required=False)
    may_decide_on = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    work_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    work_email = EmailOrBlankField(required=False)


class MembershipCreateSerializer(_MembershipFieldsSerializer):
    """Either `user` (an existing person) or `username` and `email` (a new person)."""

    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )
    username = serializers.CharField(required=False, max_length=150)
    email = serializers.EmailField(required=False)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)

    def validate(self, attrs):
        if "user" in attrs:
            if "username" in attrs or "email" in attrs:
                raise serializers.ValidationError(
                    _("Give either user or username and email, not both.")
                )
        elif not attrs.get("username") or not attrs.get("email"):
            raise serializers.ValidationError(
                _("Give user (an existing person) or username and email (a new person).")
            )
        return attrs


class MembershipUpdateSerializer(_MembershipFieldsSerializer):
    is_active = serializers.BooleanField(required=False)


# --- permissions and filters ---------------------------------------------------------------


class WritesNeedManagePartners(permissions.BasePermission):
    """Refuse a write before its input is read, so a probe learns nothing from errors."""

    message = _("You are not allowed to manage partners.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return selectors.may_manage_partners(viewer_for_request(request))


class MembershipFilter(filters.FilterSet):
    organisation = filters.NumberFilter(field_name="organisation_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = Membership
        fields = ["organisation"]


class _PartnersApi(generics.GenericAPIView):
    permission_classes = [IsVerifiedProfessional, WritesNeedManagePartners]
    pagination_class = Pagination

    @property
    def viewer(self):
        return viewer_for_request(self.request)


# --- views -------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(summary="List organisations", tags=["partners"]),
    post=extend_schema(
        summary="Create an organisation (partners.manage_partners)",
        tags=["partners"],
        request=OrganisationInputSerializer,
        responses={201: OrganisationOutputSerializer},
    ),
)
class OrganisationListApi(mixins.ListModelMixin, _PartnersApi):
    serializer_class = OrganisationOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return selectors.organisation_list(viewer=self.viewer)

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        data = OrganisationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation = services.organisation_create(actor=self.viewer, **data.validated_data)
        return Response(
            OrganisationOutputSerializer(organisation).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    get=extend_schema(summary="Get an organisation", tags=["partners"]),
    patch=extend_schema(
        summary="Change an organisation (partners.manage_partners)",
        tags=["partners"],
        request=OrganisationUpdateSerializer,
        responses={200: OrganisationOutputSerializer},
    ),
)
class OrganisationDetailApi(_PartnersApi):
    serializer_class = OrganisationOutputSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return selectors.organisation_get(viewer=self.viewer, id=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(OrganisationOutputSerializer(self.get_object()).data)

    def patch(self, request, pk):
        organisation = self.get_object()
        data = OrganisationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            actor=self.viewer, organisation=organisation, **data.validated_data
        )
        return Response(OrganisationOutputSerializer(organisation).data)


@extend_schema_view(
    get=extend_schema(summary="List memberships (the directory)", tags=["partners"]),
    post=extend_schema(
        summary="Add a member (partners.manage_partners)",
        tags=["partners"],
        request=MembershipCreateSerializer,
        responses={201: MembershipOutputSerializer},
    ),
)
class MembershipListApi(mixins.ListModelMixin, _PartnersApi):
    serializer_class = MembershipOutputSerializer
    filterset_class = MembershipFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.membership_list(viewer=self.viewer)

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        data = MembershipCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organisation = values.pop("organisation")
        person_fields = {
            k: values.pop(k)
            for k in ("username", "email", "first_name", "last_name")
            if k in values
        }
        with transaction.atomic():
            user = values.pop("user", None) or services.professional_create(
                actor=self.viewer, **person_fields
            )
            membership = services.membership_create(
                actor=self.viewer, organisation=organisation, user=user, **values
            )
        membership = selectors.membership_get(viewer=self.viewer, id=membership.pk)
        return Response(MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Get a membership", tags=["partners"]),
    patch=extend_schema(
        summary="Change a membership (partners.manage_partners)",
        tags=["partners"],
        request=MembershipUpdateSerializer,
        responses={200: MembershipOutputSerializer},
    ),
)
class MembershipDetailApi(_PartnersApi):
    serializer_class = MembershipOutputSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return selectors.membership_get(viewer=self.viewer, id=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(MembershipOutputSerializer(self.get_object()).data)

    def patch(self, request, pk):
        membership = self.get_object()
        data = MembershipUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.membership_update(actor=self.viewer, membership=membership, **data.validated_data)
        membership = selectors.membership_get(viewer=self.viewer, id=membership.pk)
        return Response(MembershipOutputSerializer(membership).data)
