"""Signed links with which a resident acts on their own data without an account.

An e-mail to a resident (a newsletter, a letter sent by e-mail) carries a link that proves
"I am this resident" for one action, such as withdrawing a consent (the one-click
unsubscribe of RFC 8058). This module holds the principal issuer for residents: only it
turns a valid link token into a `ResidentPrincipal`, which the consent services accept in
place of a staff viewer.

    token = resident_link_token(resident_id=7, action="unsubscribe:newsletter_email")
    principal = resident_link_principal(token, action="unsubscribe:newsletter_email")

A token names its action; a token for another action, a changed token, or one older than
`max_age` gives None.
"""

from django.core import signing

from wijkregie.core.access import ResidentPrincipal, principal_issuer

SUBJECT_TYPE = "residents.resident"
_issuer = principal_issuer(SUBJECT_TYPE)
_SALT = "wijkregie.residents.links"
# A link in a newsletter keeps working for a year: residents unsubscribe from old mail.
MAX_AGE = 366 * 24 * 3600


def resident_link_token(*, resident_id: int, action: str) -> str:
    return signing.dumps({"r": int(resident_id), "a": action}, salt=_SALT, compress=True)


def resident_link_principal(
    token, *, action: str, max_age: int = MAX_AGE
) -> ResidentPrincipal | None:
    try:
        data = signing.loads(str(token or ""), salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != action or not isinstance(data.get("r"), int):
        return None
    return _issuer.issue(data["r"], proof=f"link:{action}")
