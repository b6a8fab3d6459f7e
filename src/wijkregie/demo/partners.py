"""The partners of the demo flat: organisations, personas, roles, mandate and the covenant.

Idempotent: every object is looked up by its slug, username or title first and created
through the partners services (with `system_viewer()`) only when missing; existing objects
are left as they are. Each persona gets a TOTP authenticator with a secret derived from the
username, so the demo command can print a working second factor (demo mode only).
"""

import base64
import datetime
import hashlib

from django.contrib.auth import get_user_model

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from wijkregie.core.access import system_viewer
from wijkregie.partners import services
from wijkregie.partners.models import (
    DataCategory,
    DataSharingAgreement,
    MandateLevel,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from wijkregie.partners.roles import create_default_roles

DEMO_PASSWORD = "wijkregie-demo"

# slug: (name, kind, contact route, general e-mail, general phone)
ORGANISATIONS = {
    "de-vaart": (
        "Woonstichting De Vaart",
        OrganisationKind.HOUSING_CORPORATION,
        "Wijkbalie Rivierwijk, werkdagen 8.30–17.00 uur: 010-5550100. "
        "Spoed buiten kantooruren: 010-5550199.",
        "rivierwijk@de-vaart.example.org",
        "010-5550100",
    ),
    "oostwaard": (
        "Woonstichting Oostwaard",
        OrganisationKind.HOUSING_CORPORATION,
        "Klantenservice, werkdagen 9.00–17.00 uur: 010-5550200.",
        "info@oostwaard.example.org",
        "010-5550200",
    ),
    "gemeente-rivierstad": (
        "Gemeente Rivierstad",
        OrganisationKind.MUNICIPALITY,
        "Gebiedsteam Rivierwijk via het gebiedsloket: 010-5550300.",
        "gebiedsteam@gemeente-rivierstad.example.org",
        "010-5550300",
    ),
    "handhaving-rivierstad": (
        "Handhaving Rivierstad",
        OrganisationKind.ENFORCEMENT,
        "Meldkamer handhaving, dagelijks 7.00–23.00 uur: 010-5550400.",
        "handhaving@gemeente-rivierstad.example.org",
        "010-5550400",
    ),
    "politie-rivierstad": (
        "Politie Rivierstad",
        OrganisationKind.POLICE,
        "Geen spoed: 010-5550500 (wijkagent). Bij spoed altijd 112.",
        "wijkteam-rivierwijk@politie.example.org",
        "010-5550500",
    ),
    "welzijn-rivierstad": (
        "Welzijn Rivierstad",
        OrganisationKind.COMMUNITY_WORK,
        "Buurthuis De Steiger, inloop di en do 10.00–16.00 uur: 010-5550600.",
        "info@welzijn-rivierstad.example.org",
        "010-5550600",
    ),
    "wijkteam-rivierstad": (
        "Sociaal Wijkteam Rivierstad",
        OrganisationKind.SOCIAL_TEAM,
        "Aanmelden via het wijkteam, werkdagen 9.00–17.00 uur: 010-5550700.",
        "aanmelden@wijkteam-rivierstad.example.org",
        "010-5550700",
    ),
    "waakzaam": (
        "Waakzaam Beveiliging",
        OrganisationKind.SECURITY_COMPANY,
        "Meldkamer, dag en nacht bereikbaar: 010-5550800.",
        "meldkamer@waakzaam.example.org",
        "010-5550800",
    ),
    "buurtbemiddeling": (
        "Buurtbemiddeling Rivierstad",
        OrganisationKind.MEDIATION,
        "Aanmelden via het intakenummer, werkdagen: 010-5550900.",
        "aanmelden@buurtbemiddeling.example.org",
        "010-5550900",
    ),
}

# username: (first name, last name, organisation slug, role slugs, mandate, job title,
#            may decide on, work phone)
PERSONAS = {
    "wijkbeheerder": (
        "Marieke",
        "Jansen",
        "de-vaart",
        ["wijkbeheerder", "intake"],
        MandateLevel.OPERATIONAL,
        "Wijkbeheerder Rivierwijk",
        "Kleine reparaties en schoonmaak van gemeenschappelijke ruimten tot € 2.500.",
        "010-5550111",
    ),
    "leefbaarheid": (
        "Youssef",
        "El Amrani",
        "de-vaart",
        ["leefbaarheidsconsulent"],
        MandateLevel.TACTICAL,
        "Leefbaarheidsconsulent",
        "Overlastaanpak binnen het complex, inzet buurtbemiddeling, gesprekken met huurders.",
        "010-5550112",
    ),
    "woonfraude": (
        "Sandra",
        "de Wit",
        "de-vaart",
        ["woonfraude"],
        MandateLevel.OPERATIONAL,
        "Onderzoeker woonfraude",
        "Starten van een onderzoek naar onderhuur of leegstand.",
        "010-5550113",
    ),
    "privacy": (
        "Pieter",
        "Bakker",
        "de-vaart",
        ["privacy-officer"],
        MandateLevel.TACTICAL,
        "Privacy officer",
        "Advies over het delen van gegevens onder het convenant.",
        "010-5550114",
    ),
    "beheerder": (
        "Anouk",
        "Visser",
        "de-vaart",
        ["beheerder"],
        MandateLevel.STRATEGIC,
        "Functioneel beheerder Wijkregie",
        "Toegang van organisaties en medewerkers tot Wijkregie.",
        "010-5550115",
    ),
    "oostwaard": (
        "Kevin",
        "Smit",
        "oostwaard",
        ["wijkbeheerder", "intake"],
        MandateLevel.OPERATIONAL,
        "Wijkbeheerder",
        "Kleine reparaties en schoonmaak tot € 1.500.",
        "010-5550211",
    ),
    "gebiedsregisseur": (
        "Fatima",
        "Ouali",
        "gemeente-rivierstad",
        ["gebiedsregisseur"],
        MandateLevel.STRATEGIC,
        "Gebiedsregisseur Rivierwijk",
        "Inzet van gemeentelijke diensten en budget voor de wijkaanpak tot € 50.000.",
        "010-5550311",
    ),
    "boa": (
        "Rick",
        "van Dijk",
        "handhaving-rivierstad",
        ["boa", "intake"],
        MandateLevel.OPERATIONAL,
        "Boa openbare ruimte",
        "Waarschuwen en verbaliseren in de openbare ruimte.",
        "010-5550411",
    ),
    "wijkagent": (
        "Linda",
        "Mulder",
        "politie-rivierstad",
        ["wijkagent", "intake"],
        MandateLevel.OPERATIONAL,
        "Wijkagent Rivierwijk",
        "Inzet van surveillance in de wijk.",
        "010-5550511",
    ),
    "opbouwwerker": (
        "Daan",
        "Hendriks",
        "welzijn-rivierstad",
        ["opbouwwerker"],
        MandateLevel.OPERATIONAL,
        "Opbouwwerker",
        "Organiseren van bewonersavonden en ondersteunen van bewonersinitiatieven.",
        "010-5550611",
    ),
    "wijkteam": (
        "Esra",
        "Yilmaz",
        "wijkteam-rivierstad",
        ["wijkteam"],
        MandateLevel.OPERATIONAL,
        "Medewerker sociaal wijkteam",
        "Huisbezoek en toeleiding naar zorg en schuldhulp.",
        "010-5550711",
    ),
    "beveiliger": (
        "Mohamed",
        "Bouzid",
        "waakzaam",
        ["beveiliger"],
        MandateLevel.OPERATIONAL,
        "Beveiliger",
        "Aanspreken van personen en melden van incidenten.",
        "010-5550811",
    ),
    "bemiddelaar": (
        "Ingrid",
        "Vos",
        "buurtbemiddeling",
        ["bemiddelaar"],
        MandateLevel.OPERATIONAL,
        "Coördinator buurtbemiddeling",
        "Inzet van vrijwillige bemiddelaars bij burenruzies.",
        "010-5550911",
    ),
}

AGREEMENT_TITLE = "Convenant Veilige Wijk Rivierstad"
AGREEMENT = {
    "parties": ["de-vaart", "gemeente-rivierstad", "handhaving-rivierstad", "politie-rivierstad"],
    "purposes": (
        "Gezamenlijke aanpak van overlast, criminaliteit en onveiligheid in en rond de "
        "flats van de Rivierwijk: weten wie waar woont om bewoners gericht te benaderen en "
        "signalen aan een adres te koppelen."
    ),
    "data_categories": [DataCategory.RESIDENT_IDENTITY],
    "legal_basis": "Art. 6 lid 1 sub e AVG; convenant Veilige Wijk",
    "retention_days": 730,
    "valid_from": datetime.date(2026, 1, 1),
}


def demo_totp_secret(username: str) -> str:
    """The persona's TOTP secret: base32, derived from the username (demo only)."""
    digest = hashlib.sha256(("wijkregie-demo-" + username).encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def _organisation(actor, slug: str) -> Organisation:
    existing = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    name, kind, contact_route, email, phone = ORGANISATIONS[slug]
    return services.organisation_create(
        actor=actor,
        name=name,
        slug=slug,
        kind=kind,
        contact_route=contact_route,
        email=email,
        phone=phone,
    )


def _persona(actor, username: str, organisations: dict) -> dict:
    first, last, org_slug, role_slugs, mandate, job_title, may_decide_on, phone = PERSONAS[username]
    organisation = organisations[org_slug]
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = services.professional_create(
            actor=actor,
            username=username,
            email=f"{username}@example.org",
            first_name=first,
            last_name=last,
            password=DEMO_PASSWORD,
        )
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = services.membership_create(
            actor=actor,
            organisation=organisation,
            user=user,
            roles=role_slugs,
            job_title=job_title,
            mandate_level=mandate,
            may_decide_on=may_decide_on,
            work_phone=phone,
            work_email=f"{username}@{org_slug}.example.org",
        )
    secret = demo_totp_secret(username)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    return {
        "user": user,
        "membership": membership,
        "organisation": organisation.name,
        "totp_secret": secret,
    }


def _agreement(actor, organisations: dict) -> DataSharingAgreement:
    existing = DataSharingAgreement.objects.filter(title=AGREEMENT_TITLE).first()
    if existing is not None:
        return existing
    return services.data_sharing_agreement_create(
        actor=actor,
        title=AGREEMENT_TITLE,
        parties=[organisations[slug] for slug in AGREEMENT["parties"]],
        purposes=AGREEMENT["purposes"],
        data_categories=AGREEMENT["data_categories"],
        legal_basis=AGREEMENT["legal_basis"],
        retention_days=AGREEMENT["retention_days"],
        valid_from=AGREEMENT["valid_from"],
    )


def build_partners() -> dict:
    """Build (or find) the demo partners.

    Returns {"organisations": {slug: Organisation}, "roles": {slug: Role},
    "personas": {username: {"user", "membership", "organisation" (its name),
    "totp_secret"}}, "agreement": DataSharingAgreement}.
    """
    actor = system_viewer(label="demo")
    create_default_roles()  # normally done by migrate; an administrator may have removed one
    organisations = {slug: _organisation(actor, slug) for slug in ORGANISATIONS}
    personas = {username: _persona(actor, username, organisations) for username in PERSONAS}
    return {
        "organisations": organisations,
        "roles": {r.slug: r for r in Role.objects.all()},
        "personas": personas,
        "agreement": _agreement(actor, organisations),
    }
