"""Reading and checking a housing-ERP export of residents and occupancies (CSV).

Pure functions without database access: `services.residents_import_job` (the runner of the
core job kind "residents") resolves units and writes. Every message is a translated
sentence for the person who made the file; the job runs in its report's language. Messages
never repeat names, e-mail addresses or phone numbers from the file (the report is kept
with the job).
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from wijkregie.places import csvfile
from wijkregie.places.addresses import parse_postcode
from wijkregie.residents.languages import is_language_code, normalise_language_code
from wijkregie.residents.models import ConsentPurpose, OccupancyKind, Resident

JOB_KIND = "residents"  # the kind of core job (registered in ResidentsConfig.ready())

# The documented columns, in the order of the example file.
COLUMNS = (
    "relation_number",
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
    "bag_id",
    "postcode",
    "house_number",
    "house_letter",
    "house_number_addition",
    "occupancy_kind",
    "start_date",
    "end_date",
    "consent_newsletter_email",
    "consent_chat",
    "consent_share_with_partners",
)
REQUIRED_COLUMNS = ("relation_number", "given_name", "family_name", "occupancy_kind", "start_date")
# Consent columns and the consent each records (residents.ContactConsent): "ja" gives it,
# "nee" withdraws it, an empty cell leaves what is recorded as it is.
CONSENT_PURPOSES = {
    "consent_newsletter_email": ConsentPurpose.NEWSLETTER_EMAIL,
    "consent_chat": ConsentPurpose.CHAT,
    "consent_share_with_partners": ConsentPurpose.SHARE_WITH_PARTNERS,
}
CONSENT_COLUMNS = tuple(CONSENT_PURPOSES)
# What describes the person (the same on every row of one relation number).
PERSON_COLUMNS = (
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
    *CONSENT_COLUMNS,
)

YES = frozenset({"ja", "j", "yes", "y", "1", "true", "waar"})
NO = frozenset({"nee", "n", "no", "0", "false", "onwaar", ""})
KINDS = {
    "main_tenant": OccupancyKind.MAIN_TENANT,
    "hoofdhuurder": OccupancyKind.MAIN_TENANT,
    "co_tenant": OccupancyKind.CO_TENANT,
    "medehuurder": OccupancyKind.CO_TENANT,
    "other_occupant": OccupancyKind.OTHER_OCCUPANT,
    "overige bewoner": OccupancyKind.OTHER_OCCUPANT,
    "overige_bewoner": OccupancyKind.OTHER_OCCUPANT,
}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
BAG_ID = re.compile(r"^[0-9]{16}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,40}$")

EXAMPLE_CSV = (
    ";".join(COLUMNS)
    + "\r\n"
    + "\r\n".join(
        [
            "100234;Fatma;Yılmaz;fatma.yilmaz@example.org;0612345678;tr;0363010000123456;;;;;"
            "hoofdhuurder;2019-04-01;;ja;ja;nee",
            "100234;Fatma;Yılmaz;fatma.yilmaz@example.org;0612345678;tr;;3521AB;12;A;;"
            "hoofdhuurder;01-02-2015;31-03-2019;ja;ja;nee",
            "100235;Jan;de Vries;;;nl;;3521AB;14;;2;co_tenant;2021-09-15;;nee;nee;yes",
        ]
    )
    + "\r\n"
)


def max_length(name: str) -> int:
    return Resident._meta.get_field(name).max_length


FIELD_LENGTHS = {
    "relation_number": max_length("external_id"),
    "given_name": max_length("given_name"),
    "family_name": max_length("family_name"),
    "email": max_length("email"),
    "phone": max_length("phone"),
}


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1 is the header; None: the file as a whole
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class UnitKey:
    """How a row names its unit: a BAG id, or postcode + number + letter + addition."""

    bag_id: str = ""
    postcode: str = ""
    house_number: int = 0
    house_letter: str = ""
    house_number_addition: str = ""

    @property
    def column(self) -> str:
        return "bag_id" if self.bag_id else "postcode"

    @property
    def address(self) -> tuple[str, int, str, str]:
        return (self.postcode, self.house_number, self.house_letter, self.house_number_addition)

    def label(self) -> str:
        if self.bag_id:
            return self.bag_id
        suffix = self.house_letter + (
            f"-{self.house_number_addition}" if self.house_number_addition else ""
        )
        return f"{self.postcode} {self.house_number}{suffix}"


def address_key(postcode: str, number: int, letter: str, addition: str) -> tuple:
    return (postcode.upper(), number, letter.upper(), addition.upper())


@dataclass(frozen=True)
class ResidentRow:
    row: int
    relation_number: str
    person: dict  # PERSON_COLUMNS -> cleaned value
    unit: UnitKey
    kind: str
    start_date: date
    end_date: date | None


@dataclass
class ParsedFile:
    header: list[str]
    records: list[tuple[int, dict[str, str]]]  # (row number, column -> raw value)
    errors: list[RowError]


def read_file(content: bytes) -> ParsedFile:
    """Decode, find the delimiter, check the header and split the rows
    (`places.csvfile`, as every import reads its file)."""
    text, problem = csvfile.decode(content)
    if problem:
        return ParsedFile([], [], [RowError(*problem)])
    header = csvfile.read_header(text, columns=COLUMNS, required=REQUIRED_COLUMNS)
    rows, problem = csvfile.read_rows(text, header.delimiter)
    if problem:
        return ParsedFile([], [], [RowError(*problem)])
    errors = [
        RowError(1, name, _("Column “%(column)s” appears more than once.") % {"column": name})
        for name in header.duplicates
    ]
    errors += [RowError(1, name, _missing_column_message(name)) for name in header.missing]
    named = set(header.positions)
    if "bag_id" not in named and not {"postcode", "house_number"} <= named:
        errors.append(
            RowError(
                1,
                "bag_id",
                _("Give the column bag_id, or the columns postcode and house_number."),
            )
        )
    records = []
    for index, values in rows:
        if len(values) != header.width:
            errors.append(
                RowError(
                    index,
                    "",
                    _("This row has %(found)s fields; the header has %(expected)s.")
                    % {"found": len(values), "expected": header.width},
                )
            )
            continue
        records.append((index, dict(zip(header.names, (v.strip() for v in values), strict=True))))
    if not records and not errors:
        errors.append(RowError(None, "", _("The file contains no rows below the header.")))
    return ParsedFile(header.names, records, errors)


def _missing_column_message(name: str) -> str:
    return _(
        "Column “%(column)s” is missing. Separate the columns with a semicolon or a comma "
        "and use the column names of the example file."
    ) % {"column": name}


def parse_date(value: str) -> date | None:
    """YYYY-MM-DD or DD-MM-YYYY; None if it is neither (or no real day)."""
    match = ISO_DATE.match(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = DUTCH_DATE.match(value)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_yes_no(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None


def parse_row(row: int, record: dict[str, str]) -> tuple[ResidentRow | None, list[RowError]]:
    """Check every column of one row; return the cleaned row or every problem in it."""
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(row, column, message))

    def text(column: str, *, required: bool = False) -> str:
        value = record.get(column, "")
        if required and not value:
            error(column, _("This field is required."))
        limit = FIELD_LENGTHS.get(column)
        if limit and len(value) > limit:
            error(
                column,
                _("At most %(max)s characters (this one has %(length)s).")
                % {"max": limit, "length": len(value)},
            )
        return value

    relation_number = text("relation_number", required=True)
    person = {
        "given_name": text("given_name", required=True),
        "family_name": text("family_name", required=True),
        "email": text("email"),
        "phone": text("phone"),
    }
    if person["email"] and len(person["email"]) <= FIELD_LENGTHS["email"]:
        try:
            validate_email(person["email"])
        except ValidationError:
            error("email", _("Enter a valid e-mail address."))
    if (
        person["phone"]
        and len(person["phone"]) <= FIELD_LENGTHS["phone"]
        and not PHONE.match(person["phone"])
    ):
        error("phone", _("Enter a phone number of digits, spaces and + ( ) - . / only."))

    raw_language = record.get("preferred_language", "")
    language = normalise_language_code(raw_language) if raw_language else "nl"
    if not is_language_code(language):
        error(
            "preferred_language",
            _("“%(value)s” is not a language code (ISO 639-1, two letters such as nl or tr).")
            % {"value": raw_language[:20]},
        )
    person["preferred_language"] = language

    for column in CONSENT_COLUMNS:
        raw = record.get(column, "")
        if not raw.strip():
            person[column] = None
            continue
        consent = parse_yes_no(raw)
        if consent is None:
            error(
                column,
                _("“%(value)s” is not yes or no: use ja, nee, yes, no, 1 or 0.")
                % {"value": raw[:20]},
            )
        person[column] = bool(consent)

    unit = _parse_unit(record, error)

    raw_kind = record.get("occupancy_kind", "")
    kind = KINDS.get(raw_kind.strip().lower())
    if not raw_kind:
        error("occupancy_kind", _("This field is required."))
    elif kind is None:
        error(
            "occupancy_kind",
            _(
                "“%(value)s” is not a kind of occupancy: use main_tenant, co_tenant or "
                "other_occupant (or hoofdhuurder, medehuurder, overige bewoner)."
            )
            % {"value": raw_kind[:40]},
        )

    start_date = _parse_date_column(record, "start_date", error, required=True)
    end_date = _parse_date_column(record, "end_date", error, required=False)
    if start_date and end_date and end_date < start_date:
        error("end_date", _("The end date lies before the start date."))

    if errors:
        return None, errors
    return (
        ResidentRow(
            row=row,
            relation_number=relation_number,
            person=person,
            unit=unit,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
        ),
        [],
    )


def _parse_date_column(record, column, error, *, required: bool) -> date | None:
    raw = record.get(column, "")
    if not raw:
        if required:
            error(column, _("This field is required."))
        return None
    value = parse_date(raw)
    if value is None or not 1900 <= value.year <= 2100:
        error(
            column,
            _("“%(value)s” is not a date: use YYYY-MM-DD or DD-MM-YYYY.") % {"value": raw[:20]},
        )
        return None
    return value


def _parse_unit(record: dict[str, str], error) -> UnitKey | None:
    bag_id = record.get("bag_id", "")
    if bag_id:
        if not BAG_ID.match(bag_id):
            error("bag_id", _("A BAG id has exactly 16 digits."))
            return None
        return UnitKey(bag_id=bag_id)
    raw_postcode = record.get("postcode", "")
    postcode = parse_postcode(raw_postcode)
    raw_number = record.get("house_number", "")
    if not raw_postcode.strip() and not raw_number:
        error("bag_id", _("Give a BAG id, or a postcode and a house number."))
        return None
    ok = True
    if not postcode:
        error("postcode", _("Enter a Dutch postcode such as 3521AB."))
        ok = False
    if not raw_number.isdigit() or not 1 <= int(raw_number) <= 99999:
        error(
            "house_number",
            _("“%(value)s” is not a house number.") % {"value": raw_number[:20]},
        )
        ok = False
    letter = record.get("house_letter", "")
    if letter and not (len(letter) == 1 and letter.isalpha()):
        error("house_letter", _("A house letter is a single letter."))
        ok = False
    addition = record.get("house_number_addition", "")
    if len(addition) > 4:
        error(
            "house_number_addition",
            _("At most %(max)s characters (this one has %(length)s).")
            % {"max": 4, "length": len(addition)},
        )
        ok = False
    if not ok:
        return None
    return UnitKey(
        postcode=postcode,
        house_number=int(raw_number),
        house_letter=letter.upper(),
        house_number_addition=addition.upper(),
    )


def check_consistency(rows: list[ResidentRow]) -> list[RowError]:
    """One relation number is one person: later rows must repeat the same details."""
    errors = []
    first: dict[str, ResidentRow] = {}
    for row in rows:
        earlier = first.setdefault(row.relation_number, row)
        if earlier is row:
            continue
        for column in PERSON_COLUMNS:
            if row.person[column] != earlier.person[column]:
                errors.append(
                    RowError(
                        row.row,
                        column,
                        _(
                            "Relation number %(number)s appears on row %(row)s with a "
                            "different value in this column."
                        )
                        % {"number": row.relation_number[:40], "row": earlier.row},
                    )
                )
    return errors
