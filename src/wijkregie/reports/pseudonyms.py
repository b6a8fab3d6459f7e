"""Reporter pseudonyms: "Reporter K7Q-2FX of this building", scoped to who looks.

A shielded reporter's pseudonym lets intake tell repeat reports of one person apart
without knowing who it is. It must never let one organisation join what it sees to what
another organisation sees, or to an identity it holds on another report:

- Each report stores a *seed*: an HMAC (with the site secret) of the building and the
  reporter key (itself an HMAC of the normalised e-mail address or phone number), or a
  random value when the reporter left no contact data. The seed is never shown.
- What a viewer sees is a code derived from the seed, the organisation the viewer looks
  from, and the organisation that holds the reporter's identity. So the police see one
  code for a reporter's reports they received with the identity, and another, unrelated
  one for that reporter's reports forwarded to them without consent; the housing
  corporation sees codes the police can neither see nor compute.
- The code needs no counter, so concurrent reports to one building never wait on, or
  collide over, a "next number" (30 bits: a collision between two reporters of one
  building is about one in a billion per pair).
"""

import secrets

from django.utils.crypto import salted_hmac

SEED_SALT = "wijkregie.reports.pseudonym_seed"
CODE_SALT = "wijkregie.reports.pseudonym_code"
# Crockford's base32: no I, L, O or U, so a code read aloud or copied is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6


def reporter_seed(*, building_id: int, reporter_key: str) -> str:
    """The stored basis of the pseudonym: stable per reporter key per building."""
    basis = f"{building_id}:{reporter_key}" if reporter_key else "anon:" + secrets.token_hex(16)
    return salted_hmac(SEED_SALT, basis, algorithm="sha256").hexdigest()


def pseudonym_code(*, seed: str, organisation_id: int, holder_organisation_id: int | None) -> str:
    """The code `organisation_id` sees for the reporter behind `seed`.

    `holder_organisation_id` is the organisation holding the reporter's identity for this
    report (None when nobody does): a report forwarded without consent gets a code
    unrelated to the one on the receiver's own reports of that reporter.
    """
    message = f"{seed}:{organisation_id}:{holder_organisation_id or 0}"
    digest = salted_hmac(CODE_SALT, message, algorithm="sha256").digest()
    number = int.from_bytes(digest[:4], "big") >> (32 - 5 * CODE_LENGTH)
    chars = [ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH))]
    half = CODE_LENGTH // 2
    return "".join(chars[:half]) + "-" + "".join(chars[half:])
