"""Django admin for partners: a fallback for operators, not the place to manage partners.

The pages under /partners/ are where administrators work. Here organisations are written
through the services (so their rules and permission check apply); memberships, roles,
agreements and tokens are read-only, because their changes are audited or must show a
key once, which the services and pages do.
"""

from django.contrib import admin

from wijkregie.partners import services
from wijkregie.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    Role,
)
from wijkregie.partners.selectors import viewer_for_request

ORGANISATION_FIELDS = ("name", "slug", "kind", "contact_route", "email", "phone", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug")
    fields = ORGANISATION_FIELDS

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: buildings, residents and the audit refer to it

    def save_model(self, request, obj, form, change):
        actor = viewer_for_request(request)
        data = {f: form.cleaned_data[f] for f in ORGANISATION_FIELDS if f in form.cleaned_data}
        if change:
            stored = Organisation.objects.get(pk=obj.pk)
            services.organisation_update(actor=actor, organisation=stored, **data)
        else:
            is_active = data.pop("is_active", True)
            created = services.organisation_create(actor=actor, **data)
            if not is_active:
                services.organisation_update(actor=actor, organisation=created, is_active=False)
            obj.pk = created.pk
            obj._state.adding = False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "mandate_level", "job_title", "is_active")
    list_filter = ("organisation", "mandate_level", "is_active", "is_service_account")
    search_fields = ("user__username", "user__last_name", "organisation__name")
    list_select_related = ("user", "organisation")


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(ReadOnlyAdmin):
    list_display = ("title", "valid_from", "valid_until", "retention_days")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organisation",)
    exclude = ("key_hash",)
