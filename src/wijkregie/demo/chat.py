"""The building chat of the demo flat: De Horizon's channel after the residents' evening.

30 residents joined with their personal codes (pseudonyms), professionals of five
partners take part (De Vaart, the municipality, the police, enforcement and community
work), a week of messages, a pinned announcement, one message hidden with its reason, one
flagged message waiting in the moderation queue, and one private line that the
neighbourhood police officer turned into a shielded report.

Idempotent: residents who are members already are skipped; the messages are made only
when the channel has none. Everything goes through the chat services, as the personas.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from wijkregie.chat import services
from wijkregie.chat.models import Channel, ChannelKind, Member, Message
from wijkregie.partners.models import Role
from wijkregie.partners.roles import DEFAULT_ROLES
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building
from wijkregie.reports.models import Category
from wijkregie.residents.models import Resident, current_occupancies

RESIDENT_MEMBERS = 30
PSEUDONYMS = [
    "Zonnebloem",
    "Buurman B7",
    "Horizonner",
    "Tante Lien",
    "Vogelvrij",
    "Kaasboer",
    "Moeder van 3",
    "Nachtdienst",
    "Fietsfan",
    "Oma Ria",
    "Portiek A",
    "Ster13",
    "Groene Vingers",
    "Koffieleut",
    "Rustzoeker",
    "Hondenbaas",
    "De Schilder",
    "Lentekind",
    "Stille Kracht",
    "Bakkerij",
    "Wandelaar",
    "Leesmoeder",
    "Karim B.",
    "Uitzicht",
    "Balkonplant",
    "Zaterdagmarkt",
    "Lift Watcher",
    "Tuinier",
    "Vroege Vogel",
    "Nieuwkomer",
]
HIDDEN_REASON = "Noemt een buurman met naam en huisnummer; dat mag niet volgens de huisregels."
ANNOUNCEMENT = (
    "Onderhoud lift portiek B: dinsdag van 8.00 tot 14.00 uur staat de lift stil. "
    "Hulp nodig met boodschappen? Bel de wijkbalie: 010-5550100."
)
# (days ago, hour, author: resident index or persona username, text)
SCRIPT = [
    (
        7,
        20,
        "opbouwwerker",
        "Welkom in de chat van De Horizon! Fijn dat jullie er gisteravond bij waren.",
    ),
    (7, 20, 0, "Dank voor de avond. Goed om te weten wie we kunnen bereiken."),
    (7, 21, 1, "Zijn de bergingen in portiek B al gecontroleerd? Daar staan weer gasflessen."),
    (
        7,
        21,
        "wijkbeheerder",
        "We gaan er morgen met de beveiliging langs. Bedankt voor het melden.",
    ),
    (6, 9, 2, "Lift in portiek A doet het weer niet."),
    (
        6,
        10,
        "wijkbeheerder",
        "Storing is doorgegeven aan de liftmonteur, vanmiddag komt er iemand.",
    ),
    (6, 18, 3, "Gisteravond weer jongeren in de hal tot 1 uur 's nachts."),
    (6, 18, "wijkagent", "We rijden vanavond en morgenavond extra langs. Bij spoed altijd 112."),
    (5, 11, 4, "Wie heeft er een ladder te leen? Mijn lamp in de gang is kapot."),
    (5, 11, 5, "Ik heb er een, ik zet hem om 2 uur bij de lift."),
    (
        5,
        15,
        "boa",
        "Vandaag het zwerfafval bij de containers aangepakt; er is een boete uitgeschreven.",
    ),
    (4, 8, 6, "De buurman op 1-24 zet steeds vuilniszakken op de galerij."),
    (4, 9, 7, "Mooi dat het zo snel ging met de lift, dank!"),
    (4, 19, "gebiedsregisseur", "Volgende week is er weer casusoverleg; uw signalen nemen we mee."),
    (3, 10, 8, "Zijn er al plannen voor de speeltuin? Mijn kinderen willen graag meedoen."),
    (
        3,
        10,
        "opbouwwerker",
        "Ja! Donderdag om 16.00 uur denken we samen na in buurthuis De Steiger.",
    ),
    (3, 12, 9, "Ik kom ook, met de buurvrouw."),
    (2, 17, 10, "Vanavond weer lachgaspatronen op de trap van portiek B."),
    (2, 17, "wijkagent", "Dank. We nemen het mee in de aanpak van de bergingen."),
    (1, 9, 11, "De schoonmaak van de hal was super vandaag."),
    (1, 13, 12, "Wie weet of de fietsenstalling al op slot kan? Mijn fiets is weg."),
    (
        1,
        14,
        "leefbaarheid",
        "Het nieuwe slot komt volgende week; daarna krijgt iedereen een sleutel.",
    ),
    (0, 8, 13, "Goedemorgen allemaal, fijne dag!"),
    (0, 9, 14, "Weet iemand of het buurthuis vandaag open is?"),
]
FLAGGED = "Die lui van portiek B moeten gewoon hun bek houden"
FLAG_REASON = "Grof, en gaat over een hele portiek."
LINE = [
    (
        2,
        21,
        "resident",
        "Ik durf het niet in de groep te zeggen, maar in berging 14 wordt 's avonds gedeald.",
    ),
    (2, 21, "resident", "Het gaat elke avond tussen 22 en 23 uur; er komen steeds andere mensen."),
    (
        1,
        8,
        "wijkagent",
        "Dank voor uw vertrouwen. Ik maak hier een melding van; uw naam blijft afgeschermd.",
    ),
]
EXTRA_PERMISSIONS = ("chat.take_part", "chat.moderate", "chat.issue_join_codes")


def _viewer(username: str):
    return viewer_for(get_user_model().objects.get(username=username))


def _roles_take_part() -> None:
    """A demo database made before the chat existed has the default roles without the
    chat permissions (migrate never changes an existing role); the demo adds them."""
    for slug, (_name, codes) in DEFAULT_ROLES.items():
        role = Role.objects.filter(slug=slug).first()
        if role is None:
            continue
        for code in codes:
            if code in EXTRA_PERMISSIONS:
                role.permissions.add(
                    Permission.objects.get(
                        content_type__app_label="chat", codename=code.split(".")[1]
                    )
                )


def _residents(horizon: Building) -> list[Resident]:
    today = timezone.localdate()
    ids = (
        current_occupancies(today)
        .filter(unit__building=horizon)
        .order_by("unit__house_number", "resident_id")
        .values_list("resident_id", flat=True)
    )
    seen = []
    for resident_id in ids:
        if resident_id not in seen:
            seen.append(resident_id)
        if len(seen) == RESIDENT_MEMBERS:
            break
    return list(Resident.objects.filter(pk__in=seen).order_by("pk"))


def _members(horizon: Building) -> list:
    """The 30 resident members, joined with their codes; returns their principals."""
    manager = _viewer("wijkbeheerder")
    principals = []
    for number, resident in enumerate(_residents(horizon)):
        member = Member.objects.filter(building=horizon, resident=resident).first()
        if member is not None:
            principals.append(None)
            continue
        code, _row = services.join_code_issue(actor=manager, resident_id=resident.pk)
        principals.append(
            services.join_code_redeem(
                code=code,
                display_name=PSEUDONYMS[number],
                language=resident.preferred_language or "nl",
                ip=f"demo-{number}",
            )
        )
    return principals


def _at(days_ago: int, hour: int, minute: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
    return min(moment, timezone.now() - datetime.timedelta(minutes=60 - minute))


def _messages(horizon: Building, principals: list) -> None:
    channels = services.channels_ensure(building=horizon)
    general, announcements = channels[ChannelKind.GENERAL], channels[ChannelKind.ANNOUNCEMENTS]
    if Message.objects.filter(channel__building=horizon).exists() or None in principals:
        return
    hidden_text = SCRIPT[11][3]
    for minute, (days_ago, hour, author, text) in enumerate(SCRIPT):
        actor = principals[author] if isinstance(author, int) else _viewer(author)
        message = services.message_post(
            actor=actor,
            channel_id=general.pk,
            body=text,
            now=_at(days_ago, hour, minute % 50),
            rate_limited=False,
        )
        if text == hidden_text:
            services.message_hide(
                actor=_viewer("wijkbeheerder"), message_id=message.pk, reason=HIDDEN_REASON
            )
    flagged = services.message_post(
        actor=principals[15],
        channel_id=general.pk,
        body=FLAGGED,
        now=_at(0, 10, 5),
        rate_limited=False,
    )
    services.message_flag(actor=principals[16], message_id=flagged.pk, reason=FLAG_REASON)
    announcement = services.message_post(
        actor=_viewer("wijkbeheerder"),
        channel_id=announcements.pk,
        body=ANNOUNCEMENT,
        now=_at(3, 9, 0),
        rate_limited=False,
    )
    services.message_pin(actor=_viewer("wijkbeheerder"), message_id=announcement.pk)
    for principal in principals[:18]:
        services.announcements_mark_read(
            actor=principal, channel_id=announcements.pk, message_ids=[announcement.pk]
        )
    _private_line(principals[6])


def _private_line(resident) -> None:
    officer = Member.objects.get(building__name="De Horizon", user__username="wijkagent")
    line = services.private_line_open(principal=resident, professional_member_id=officer.pk)
    for days_ago, hour, who, text in LINE:
        actor = resident if who == "resident" else _viewer(who)
        services.message_post(
            actor=actor,
            channel_id=line.pk,
            body=text,
            now=_at(days_ago, hour, 10),
            rate_limited=False,
        )
    category = (
        Category.objects.filter(slug="drug-dealing").first()
        or Category.objects.filter(active=True).first()
    )
    services.private_line_to_report(
        actor=_viewer("wijkagent"),
        channel_id=line.pk,
        category_id=category.pk,
        description="Signaal uit de buurtchat: handel vanuit een berging in De Horizon.",
    )


def build_chat() -> dict:
    """Build (or find) De Horizon's chat. Returns {"members": n, "messages": m}."""
    _roles_take_part()
    horizon = Building.objects.get(name="De Horizon")
    principals = _members(horizon)
    _messages(horizon, principals)
    return {
        "members": Member.objects.filter(building=horizon).count(),
        "messages": Message.objects.filter(channel__building=horizon).count(),
        "lines": Channel.objects.filter(building=horizon, kind=ChannelKind.PRIVATE).count(),
    }
