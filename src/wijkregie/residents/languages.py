"""Residents' preferred languages: ISO 639-1 codes (two letters), the form an ERP exports."""

from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
    """.split()  # noqa: SIM905 (a block of codes reads better than 184 quoted strings)
)

# Languages spoken in Dutch neighbourhoods that Django's own language table lacks.
EXTRA_NAMES = {
    "so": _("Somali"),
    "ti": _("Tigrinya"),
    "ps": _("Pashto"),
    "ku": _("Kurdish"),
    "am": _("Amharic"),
    "zh": _("Chinese"),
}


def normalise_language_code(value: str) -> str:
    """'NL', ' nl ', 'nl-NL', 'nl_BE' → 'nl'. The result may still be unknown."""
    code = value.strip().replace("_", "-").lower()
    return code.split("-", 1)[0] if "-" in code else code


def is_language_code(value: str) -> bool:
    return value in ISO_639_1


def validate_language_code(value: str) -> None:
    if not is_language_code(value):
        raise ValidationError(
            _("“%(value)s” is not a language code (ISO 639-1, two letters such as nl or tr)."),
            code="invalid_language",
            params={"value": value},
        )


def language_name(code: str) -> str:
    """The language's name in the current interface language, or the code if unknown."""
    if code in EXTRA_NAMES:
        return str(EXTRA_NAMES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code
