"""The default roles, created after every `migrate` (only the missing ones).

Roles are data (BRIEF 26): administrators change them in pages, so this hook never touches
a role that already exists, not even to add a permission. It matches roles by slug.

A permission that does not exist when a role is created (for example `reports.*` before the
reports app defines it) is skipped silently. It is added on a later `migrate` only if the
role is new then, i.e. when an administrator deleted it; otherwise an administrator adds it
in the roles page. On a fresh database every app's permissions exist first, because
`create_default_roles` creates all permissions before the roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, transaction

# slug: (name, permissions as "app_label.codename")
DEFAULT_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "wijkbeheerder": (
        "Wijkbeheerder",
        (
            "outreach.visit_doors",
            "outreach.plan_outreach",
            "places.view_building",
            "places.import_units",
            "places.change_building",
            "residents.view_resident",
            "residents.view_resident_contact",
            "residents.import_residents",
            "partners.view_directory",
            "cases.open_case",
            "communications.manage_newsletters",
            "communications.send_letters",
            "chat.take_part",
            "chat.moderate",
            "chat.issue_join_codes",
        ),
    ),
    "intake": (
        "Intake meldingen",
        ("reports.receive_reports", "reports.view_reporter_identity", "places.view_building"),
    ),
    "leefbaarheidsconsulent": (
        "Leefbaarheidsconsulent",
        (
            "outreach.visit_doors",
            "outreach.plan_outreach",
            "places.view_building",
            "residents.view_resident",
            "residents.view_resident_contact",
            "partners.view_directory",
            "cases.open_case",
            "communications.manage_newsletters",
            "communications.send_letters",
            "chat.take_part",
            "chat.moderate",
            "chat.issue_join_codes",
        ),
    ),
    "woonfraude": (
        "Woonfraude-onderzoeker",
        (
            "places.view_building",
            "residents.view_resident",
            "residents.view_resident_contact",
            "cases.open_case",
        ),
    ),
    "privacy-officer": (
        "Privacy officer",
        (
            "core.view_auditentry",
            "core.handle_data_subject_requests",
            "partners.view_directory",
        ),
    ),
    "beheerder": (
        "Functioneel beheerder",
        (
            "partners.manage_partners",
            "partners.view_directory",
            "places.view_building",
            "places.change_building",
            "places.import_units",
            "residents.import_residents",
        ),
    ),
    "gebiedsregisseur": (
        "Gebiedsregisseur",
        (
            "outreach.visit_doors",
            "outreach.plan_outreach",
            "places.view_building",
            "residents.view_resident",
            "partners.view_directory",
            "cases.open_case",
            "chat.take_part",
        ),
    ),
    "boa": (
        "BOA (handhaver)",
        (
            "outreach.visit_doors",
            "places.view_building",
            "residents.view_resident",
            "partners.view_directory",
            "cases.open_case",
            "chat.take_part",
        ),
    ),
    "wijkagent": (
        "Wijkagent",
        (
            "outreach.visit_doors",
            "places.view_building",
            "residents.view_resident",
            "partners.view_directory",
            "cases.open_case",
            "chat.take_part",
        ),
    ),
    "opbouwwerker": (
        "Opbouwwerker",
        (
            "outreach.visit_doors",
            "outreach.plan_outreach",
            "places.view_building",
            "residents.view_resident",
            "partners.view_directory",
            "cases.open_case",
            "chat.take_part",
        ),
    ),
    "wijkteam": (
        "Sociaal wijkteam",
        (
            "outreach.visit_doors",
            "places.view_building",
            "residents.view_resident",
            "partners.view_directory",
            "cases.open_case",
            "chat.take_part",
        ),
    ),
    "beveiliger": (
        "Beveiliger",
        (
            "outreach.visit_doors",
            "places.view_building",
        ),
    ),
    "bemiddelaar": ("Buurtbemiddelaar", ("partners.view_directory",)),
}


def create_default_roles(
    *, apps=global_apps, using: str = DEFAULT_DB_ALIAS, verbosity: int = 0, **kwargs
) -> list[str]:
    """Create every missing default role; return the slugs of the roles created.

    Existing roles (same slug) and roles whose name is taken are left alone.
    """
    try:
        role_model = apps.get_model("partners", "Role")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:  # migrating backwards: the tables are not there
        return []
    # Django creates permissions per app after that app's migrations; the roles need those
    # of apps that come later in INSTALLED_APPS too.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=verbosity, using=using, apps=apps)

    created = []
    with transaction.atomic(using=using):
        existing_slugs = set(role_model.objects.using(using).values_list("slug", flat=True))
        existing_names = set(role_model.objects.using(using).values_list("name", flat=True))
        for slug, (name, codes) in DEFAULT_ROLES.items():
            if slug in existing_slugs or name in existing_names:
                continue
            role = role_model.objects.using(using).create(slug=slug, name=name)
            perms = []
            for code in codes:
                app_label, codename = code.split(".", 1)
                perm = (
                    permission_model.objects.using(using)
                    .filter(content_type__app_label=app_label, codename=codename)
                    .first()
                )
                if perm is not None:
                    perms.append(perm)
            role.permissions.set(perms)
            created.append(slug)
    return created


def create_default_roles_after_migrate(sender, **kwargs):
    """post_migrate receiver (connected for the partners app only, so once per migrate)."""
    create_default_roles(
        apps=kwargs.get("apps", global_apps),
        using=kwargs.get("using", DEFAULT_DB_ALIAS),
        verbosity=kwargs.get("verbosity", 0),
    )
