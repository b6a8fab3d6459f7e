"""Admin for configuration (categories, routing rules) and a read-only look at reports.

The reporter's identity is deliberately not in the admin: it is read only through
`selectors.reporter_identity_get` (intake pages and API), which audits every view.
Reports are changed only through the intake pages and the API (the services).
"""

from django.contrib import admin

from wijkregie.reports.models import Category, Report, ReportStatusChange, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "__str__",
        "parent",
        "is_urgent",
        "is_contact_request",
        "active",
        "order",
    )
    list_filter = ("active", "is_urgent", "is_contact_request")
    search_fields = ("slug",)
    ordering = ("order", "slug")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "building", "neighbourhood", "organisation")
    list_filter = ("category", "organisation")


class StatusChangeInline(admin.TabularInline):
    model = ReportStatusChange
    fields = ("created_at", "from_status", "to_status", "actor_label", "organisation")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "category",
        "building",
        "status",
        "lateness",
        "receiving_organisation",
        "created_at",
    )
    list_filter = ("status", "lateness", "channel", "category")
    list_select_related = ("category", "building", "receiving_organisation")
    fields = (
        "tracking_code",
        "category",
        "building",
        "location_kind",
        "unit",
        "floor",
        "entrance",
        "common_area",
        "occurred_at",
        "occurred_when",
        "channel",
        "contact_mode",
        "receiving_organisation",
        "status",
        "lateness",
        "due_at",
        "closed_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = [StatusChangeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
