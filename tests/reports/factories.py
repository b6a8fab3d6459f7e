"""Factories for reports. Reports themselves are made through `report_submit` (conftest)."""

import factory

from tests.places.factories import BuildingFactory
from wijkregie.core.access import ANONYMOUS
from wijkregie.reports.models import Category, Channel, ContactMode, LocationKind, RoutingRule
from wijkregie.reports.services import ReporterDetails, report_passphrase_check, report_submit


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(
        lambda o: {"nl": f"Categorie {o.slug}", "en": f"Category {o.slug}"}
    )
    resident_hint = factory.LazyFunction(lambda: {"nl": "Uitleg.", "en": "Hint."})
    response_target_days = 5


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    category = factory.SubFactory(CategoryFactory)
    building = factory.SubFactory(BuildingFactory)
    neighbourhood = None
    organisation = factory.LazyAttribute(lambda o: o.building.owner)


def submit(world, **overrides):
    """A report in `world` (tests/reports/conftest.py) through report_submit; shielded
    with a name, e-mail, phone and IP unless overridden."""
    values = {
        "actor": ANONYMOUS,
        "building": world.building,
        "category": world.category,
        "description": "Er ligt afval bij de lift.",
        "location_kind": LocationKind.COMMON_AREA,
        "common_area": world.lift,
        "contact_mode": ContactMode.SHIELDED,
        "reporter": {
            "name": "Ann Melder",
            "email": "ann@example.org",
            "phone": "0611111111",
            "ip": "198.51.100.7",
        },
        "channel": Channel.WEB,
    }
    values.update(overrides)
    if isinstance(values["reporter"], dict):
        values["reporter"] = ReporterDetails(**values["reporter"])
    return report_submit(**values)


def pseudonym_label(report, *, seen_by, holder=None) -> str:
    """The Dutch pseudonym organisation `seen_by` sees on `report` (identity held by
    `holder`, by default the organisation seeing it)."""
    from wijkregie.reports.pseudonyms import pseudonym_code

    holder = seen_by if holder is None else holder
    code = pseudonym_code(
        seed=report.reporter_seed,
        organisation_id=seen_by.pk,
        holder_organisation_id=holder.pk if holder else None,
    )
    return f"Melder {code} van dit gebouw"


def reporter_of(result):
    """The reporter of a submitted report, proven as a resident proves it (tracking code
    and passphrase)."""
    return report_passphrase_check(tracking_code=result.tracking_code, passphrase=result.passphrase)
