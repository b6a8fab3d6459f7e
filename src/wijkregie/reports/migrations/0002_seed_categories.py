"""The report categories of the story (DOMAIN.md), created only where missing.

Idempotent by slug: an administrator's changes to a seeded category are kept. The
receiving organisation is configured per deployment (RoutingRule or the category's
default organisation); left empty here, a report goes to the building's owner.
"""

from django.db import migrations

# slug, order, urgent, contact request, target (working days), retention (days),
# {lang: name}, {lang: hint}
CATEGORIES = [
    (
        "crime-in-progress", 10, True, False, 1, 5 * 365,
        {"nl": "Er gebeurt nu een misdrijf", "en": "A crime is happening now"},
        {
            "nl": "Is er nu gevaar? Bel eerst 112. Meld het daarna hier.",
            "en": "Is there danger right now? Call 112 first. Then report it here.",
        },
    ),
    (
        "threats", 20, True, False, 1, 5 * 365,
        {"nl": "Bedreiging en intimidatie", "en": "Threats and intimidation"},
        {
            "nl": "Iemand bedreigt of intimideert u of anderen. Bent u nu in gevaar? Bel 112.",
            "en": "Someone threatens or intimidates you or others. In danger now? Call 112.",
        },
    ),
    (
        "arson-fire-risk", 30, True, False, 1, 5 * 365,
        {"nl": "Brand en brandgevaar", "en": "Arson and fire risk"},
        {
            "nl": "Brand, brandstichting of spullen die brand kunnen veroorzaken. "
            "Brandt het nu? Bel 112.",
            "en": "Fire, arson or things that can cause a fire. Is it burning now? Call 112.",
        },
    ),
    (
        "nitrous-oxide", 40, False, False, 5, 5 * 365,
        {"nl": "Lachgas: handel of opslag", "en": "Nitrous oxide: dealing or storage"},
        {
            "nl": "U ziet dat er lachgas wordt verkocht of opgeslagen, bijvoorbeeld grote "
            "flessen in een berging.",
            "en": "You see nitrous oxide being sold or stored, for example large cylinders "
            "in a storage room.",
        },
    ),
    (
        "drug-dealing", 50, False, False, 5, 5 * 365,
        {"nl": "Drugshandel", "en": "Drug dealing"},
        {
            "nl": "U ziet dat er drugs worden verkocht of dat er steeds mensen komen en "
            "gaan voor drugs.",
            "en": "You see drugs being sold, or people keep coming and going for drugs.",
        },
    ),
    (
        "litter", 60, False, False, 5, 2 * 365,
        {"nl": "Afval en vervuiling", "en": "Litter and pollution"},
        {
            "nl": "Afval, grofvuil of vuil in en rond het gebouw.",
            "en": "Rubbish, bulky waste or dirt in and around the building.",
        },
    ),
    (
        "vandalism", 70, False, False, 5, 5 * 365,
        {"nl": "Vernieling", "en": "Vandalism"},
        {
            "nl": "Iets is expres kapotgemaakt, zoals de lift, een deur of de verlichting.",
            "en": "Something was broken on purpose, such as the lift, a door or the lights.",
        },
    ),
    (
        "illegal-subletting", 80, False, False, 10, 5 * 365,
        {
            "nl": "Illegale onderhuur of niemand woont er",
            "en": "Illegal subletting or nobody living there",
        },
        {
            "nl": "U denkt dat een woning wordt onderverhuurd, of dat er niemand echt woont.",
            "en": "You think a home is being sublet, or that nobody really lives there.",
        },
    ),
    (
        "noise-nuisance", 90, False, False, 10, 2 * 365,
        {"nl": "Geluidsoverlast en overlast", "en": "Noise and nuisance"},
        {
            "nl": "Veel lawaai of andere overlast van buren of bezoekers.",
            "en": "A lot of noise or other nuisance from neighbours or visitors.",
        },
    ),
    (
        "unsafe-common-area", 100, False, False, 5, 2 * 365,
        {"nl": "Onveilige gemeenschappelijke ruimte", "en": "Unsafe shared space"},
        {
            "nl": "Een plek in het gebouw voelt onveilig, bijvoorbeeld donker, kapot of "
            "mensen die er rondhangen.",
            "en": "A place in the building feels unsafe, for example dark, broken or "
            "people hanging around.",
        },
    ),
    (
        "other", 110, False, False, 10, 2 * 365,
        {"nl": "Iets anders", "en": "Something else"},
        {
            "nl": "Past uw melding nergens bij? Kies dit en vertel wat er aan de hand is.",
            "en": "Does your report not fit anywhere? Choose this and tell us what is going on.",
        },
    ),
    (
        "contact", 120, False, True, 5, 365,
        {"nl": "Contact opnemen", "en": "Get in touch"},
        {
            "nl": "U wilt met ons praten, over wat dan ook. U hoeft niets te melden.",
            "en": "You want to talk to us, about anything. You do not have to report anything.",
        },
    ),
]


def seed(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    existing = set(Category.objects.values_list("slug", flat=True))
    Category.objects.bulk_create(
        [
            Category(
                slug=slug,
                order=order,
                is_urgent=urgent,
                is_contact_request=contact,
                response_target_days=target,
                retention_days=retention,
                name=name,
                resident_hint=hint,
            )
            for slug, order, urgent, contact, target, retention, name, hint in CATEGORIES
            if slug not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
