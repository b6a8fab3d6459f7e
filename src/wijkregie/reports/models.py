"""Incident reports by residents and professionals, their routing, history and follow-up.

The reporter's identity lives in its own table (`ReporterIdentity`) that no `Report`
queryset reaches: there is no reverse accessor from `Report`, so `select_related`,
`prefetch_related`, serializers and exports of reports cannot carry it by accident
(BRIEF 2). Professionals see it through `selectors.reporter_identity_get` only; the
modules that read it for the reporter's sake are named in `selectors`. See docs/reports.md.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from wijkregie.core.access import VisibleToQuerySet
from wijkregie.core.models import BaseModel
from wijkregie.core.timeline import AppendOnlyModel, TimelineEvent
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places.models import MAX_FLOOR, MIN_FLOOR, Building, CommonArea, Neighbourhood, Unit
from wijkregie.reports.workflows import ReportStatus

# Tracking codes and passphrases use an alphabet without look-alikes (0/O, 1/I/L), so a
# resident can copy them from paper or read them out over the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 10
DESCRIPTION_MAX_LENGTH = 5000
MESSAGE_MAX_LENGTH = 5000
MAX_PHOTOS_PER_REPORT = 5


def new_tracking_code() -> str:
    """10 characters from 31: about 8 * 10^14 codes, unguessable by probing."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


def normalise_code(value: str) -> str:
    """What a resident types, as stored: upper case, without spaces and dashes."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def _translated(texts: dict, language: str | None) -> str:
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for lang in (language, settings.LANGUAGE_CODE, "en"):
        if texts.get(lang):
            return texts[lang]
    return next((t for t in texts.values() if t), "")


class Category(BaseModel):
    """What a report is about; a shallow tree (e.g. vandalism → lift).

    Names and hints are stored per language ({"nl": …, "en": …, …}) so that an
    administrator can add the languages spoken in a building without a release.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.JSONField(_("name per language"), default=dict)
    resident_hint = models.JSONField(
        _("hint for residents per language"),
        default=dict,
        blank=True,
        help_text=_("One or two sentences in plain language (B1)."),
    )
    default_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("default receiving organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the owner of the building receives the report."),
    )
    response_target_days = models.PositiveSmallIntegerField(
        _("response target (working days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("The form first tells the resident to call 112; intake is e-mailed at once."),
    )
    is_contact_request = models.BooleanField(
        _("contact request"),
        default=False,
        help_text=_("A request to get in touch, without an incident."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention after closing (days)"), default=5 * 365
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")

    def __str__(self):
        return self.name_in(None) or self.slug

    def name_in(self, language: str | None = None) -> str:
        """The name in `language` (default: the active one), else Dutch, else English."""
        return _translated(self.name or {}, language) or self.slug

    def hint_in(self, language: str | None = None) -> str:
        return _translated(self.resident_hint or {}, language)


class RoutingRule(BaseModel):
    """Who receives reports of a category in a building or neighbourhood.

    The most specific rule wins: building, then neighbourhood, then the category's default
    organisation, then the building's owner (`services.report_route`).
    """

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="routing"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(building__isnull=False) & Q(neighbourhood__isnull=True))
                | (Q(building__isnull=True) & Q(neighbourhood__isnull=False)),
                name="routing_rule_one_place",
                violation_error_message=_("Choose a building or a neighbourhood, not both."),
            ),
            models.UniqueConstraint(
                fields=["category", "building"],
                condition=Q(building__isnull=False),
                name="routing_rule_building_unique",
            ),
            models.UniqueConstraint(
                fields=["category", "neighbourhood"],
                condition=Q(neighbourhood__isnull=False),
                name="routing_rule_neighbourhood_unique",
            ),
        ]

    def __str__(self):
        return f"{self.category} @ {self.building or self.neighbourhood} → {self.organisation}"


class LocationKind(models.TextChoices):
    OWN_UNIT = "own_unit", _("In or at my own home")
    OTHER_UNIT = "other_unit", _("In or at another home")
    COMMON_AREA = "common_area", _("In a shared space")
    OUTSIDE = "outside", _("Outside, around the building")
    NOT_APPLICABLE = "not_applicable", _("Not at one place")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    EVENING = "evening", _("Residents' evening")
    CHAT = "chat", _("Chat")
    PROFESSIONAL_OBSERVATION = "professional_observation", _("Observed by a professional")
    OPEN311 = "open311", _("Reporting app (Open311)")
    DOOR = "door", _("At the door")


# Channels a professional may record when logging what they saw or heard.
OBSERVATION_CHANNELS = (
    Channel.PROFESSIONAL_OBSERVATION,
    Channel.PHONE,
    Channel.VISIT,
    Channel.EVENING,
    Channel.DOOR,
    Channel.CHAT,
)


class ContactMode(models.TextChoices):
    # No contact data at all; follow-up with tracking code and passphrase only.
    ANONYMOUS = "anonymous", _("Anonymous")
    # Name and e-mail/phone seen only by the receiving organisation's intake staff.
    SHIELDED = "shielded", _("Shielded")
    # As shielded, and the reporter agrees that the identity goes along on forwarding.
    OPEN = "open", _("Open")


class Lateness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    VERY_LATE = "very_late", _("Very late")


# Very late first, then late, then on time: the work queue's second key (after a reply
# waiting). One expression for the ordering and its index (Report.Meta.indexes).
LATENESS_RANK = models.Case(
    models.When(lateness=Lateness.VERY_LATE, then=models.Value(0)),
    models.When(lateness=Lateness.LATE, then=models.Value(1)),
    default=models.Value(2),
    output_field=models.SmallIntegerField(),
)


class ReportQuerySet(VisibleToQuerySet):
    default_permission = "reports.receive_reports"

    def need_to_know(self, viewer, permission: str) -> models.Q:
        """Reports whose receiving organisation gives the viewer `permission` (intake)."""
        return models.Q(receiving_organisation_id__in=viewer.organisations_with(permission))


class Report(BaseModel):
    """One report (melding). Holds no personal data of the reporter: see ReporterIdentity."""

    tracking_code = models.CharField(
        _("tracking code"),
        max_length=16,
        unique=True,
        default=new_tracking_code,
        editable=False,
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="reports"
    )
    location_kind = models.CharField(
        _("where"),
        max_length=20,
        choices=LocationKind.choices,
        default=LocationKind.NOT_APPLICABLE,
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("home"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    floor = models.SmallIntegerField(
        _("floor"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_FLOOR), MaxValueValidator(MAX_FLOOR)],
    )
    entrance = models.CharField(_("entrance"), max_length=10, blank=True)
    common_area = models.ForeignKey(
        CommonArea,
        verbose_name=_("shared space"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    occurred_when = models.CharField(_("when it happened (in words)"), max_length=200, blank=True)
    description = models.TextField(_("what happened"), max_length=DESCRIPTION_MAX_LENGTH)
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    contact_mode = models.CharField(
        _("contact"), max_length=16, choices=ContactMode.choices, default=ContactMode.ANONYMOUS
    )
    receiving_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="received_reports",
    )
    # Denormalised from the latest ReportStatusChange; only services write it.
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    due_at = models.DateTimeField(_("response due"))
    very_late_at = models.DateTimeField(_("very late from"))
    # Stored so the queue filter is an index lookup; see services.report_lateness_refresh.
    lateness = models.CharField(
        _("lateness"), max_length=16, choices=Lateness.choices, default=Lateness.ON_TIME
    )
    # The basis of the reporter's pseudonym: an HMAC of the reporter key and the building
    # (random when the reporter left no contact data). Never shown: each organisation sees
    # a pseudonym derived from it and from itself (reports/pseudonyms.py).
    reporter_seed = models.CharField(max_length=64, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by_membership = models.ForeignKey(
        Membership,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Links to cases live in the cases app (cases.CaseReport), which sits above reports.
    # The person of the receiving organisation who handles it (services.report_assign);
    # cleared when the report is forwarded.
    assigned_to = models.ForeignKey(
        Membership,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A reply of the reporter nobody of intake has read yet ("reactie ontvangen");
    # denormalised from ReportMessage by the thread services, so the queue sorts on it.
    reply_waiting = models.BooleanField(_("reply waiting"), default=False, db_default=False)
    # Marked by intake as a duplicate of another report (services.report_mark_duplicate):
    # the parent's status changes reach this report's reporter too.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        permissions = [
            ("receive_reports", "Can receive and triage reports"),
            ("view_reporter_identity", "Can view reporters' identity"),
        ]
        indexes = [
            models.Index(
                fields=["receiving_organisation", "status", "-created_at"],
                name="report_queue_idx",
            ),
            models.Index(fields=["building", "-created_at"], name="report_building_idx"),
            models.Index(fields=["receiving_organisation", "lateness"], name="report_lateness_idx"),
            models.Index(fields=["receiving_organisation", "-created_at"], name="report_org_idx"),
            models.Index(fields=["status", "due_at"], name="report_due_idx"),
            # Retention looks for reports closed before a day. Only closed ones: with the
            # open reports in it, the planner took it for `closed_at IS NULL` (the queue)
            # over the organisation's own open-reports indexes below.
            models.Index(
                fields=["closed_at"],
                condition=Q(closed_at__isnull=False),
                name="report_closed_idx",
            ),
            # The work queue: the open reports of an organisation in the order of
            # `selectors.report_list(order="work")`, and newest first.
            models.Index(
                models.F("receiving_organisation"),
                models.F("reply_waiting").desc(),
                LATENESS_RANK,
                models.F("created_at").desc(),
                models.F("id").desc(),
                condition=Q(closed_at__isnull=True),
                name="report_work_idx",
            ),
            models.Index(
                fields=["receiving_organisation", "-created_at"],
                condition=Q(closed_at__isnull=True),
                name="report_open_idx",
            ),
            models.Index(
                fields=["receiving_organisation", "category", "-created_at"],
                name="report_org_category_idx",
            ),
            models.Index(
                fields=["assigned_to", "-created_at"],
                condition=Q(assigned_to__isnull=False),
                name="report_assigned_idx",
            ),
            models.Index(
                fields=["receiving_organisation"],
                condition=Q(reply_waiting=True),
                name="report_reply_waiting_idx",
            ),
        ]

    def __str__(self):
        return f"{self.tracking_code}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ReporterIdentity(BaseModel):
    """Who made a report: personal data, shielded (BRIEF 2).

    Visible only to intake staff (`reports.view_reporter_identity`) of the organisation
    currently receiving the report, and only while `visible_to_organisation` is that
    organisation: forwarding moves it along only when the reporter consented.
    `related_name="+"`: there is deliberately no `report.reporteridentity`.
    """

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, default="nl")
    passphrase_hash = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    consent_to_forward = models.BooleanField(
        _("may be passed on when the report is forwarded"), default=False
    )
    visible_to_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_key = models.CharField(max_length=64, blank=True)
    contact_erased_at = models.DateTimeField(_("contact data erased at"), null=True, blank=True)

    # The fields that are personal data, in the order pages show them.
    IDENTITY_FIELDS = ("name", "email", "phone", "ip_address")
    # Names the audit trail records that are no field's own verbose name.
    AUDIT_FIELD_LABELS = {"passphrase_hash": _("passphrase (as a hash)")}

    class Meta:
        verbose_name = _("reporter identity")
        verbose_name_plural = _("reporter identities")

    def __str__(self):
        return f"reporter of report {self.report_id}"

    @property
    def has_email(self) -> bool:
        return bool(self.email) and self.contact_erased_at is None


def report_photo_path(instance, filename) -> str:
    # Unguessable names: photos are served only through a view that checks access.
    return f"reports/photos/{secrets.token_hex(16)}{filename[filename.rfind('.') :]}"


class ReportPhoto(BaseModel):
    """A photo, already checked, re-encoded and stripped of metadata (reports/photos.py)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=report_photo_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by_reporter = models.BooleanField(_("added by the reporter"), default=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"photo {self.pk} of report {self.report_id}"


class ReportStatusChange(AppendOnlyModel):
    """One step in a report's history; append-only (Signalen: "do not edit history")."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("from"), max_length=20, choices=ReportStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ReportStatus.choices)
    internal_note = models.TextField(_("internal note"), max_length=5000, blank=True)
    resident_text = models.TextField(_("text for the reporter"), max_length=2000)
    # The status's standard text: shown to the reporter in their own language.
    resident_text_is_default = models.BooleanField(default=False)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["report", "created_at"], name="report_status_hist_idx")]

    def __str__(self):
        return f"{self.report_id}: {self.from_status} → {self.to_status}"


class ReportEventType(models.TextChoices):
    CATEGORY_CHANGED = "category_changed", _("Category changed")
    FORWARDED = "forwarded", _("Forwarded")
    MESSAGE_TO_REPORTER = "message_to_reporter", _("Question to the reporter")
    MESSAGE_FROM_REPORTER = "message_from_reporter", _("Message from the reporter")
    PHOTO_ADDED = "photo_added", _("Photo added")
    CONTACT_UPDATED = "contact_updated", _("Reporter's contact details changed")
    CONTACT_ERASED = "contact_erased", _("Reporter's contact details erased")
    CONTACT_LINKED = "contact_linked", _("Added to a resident's contact history")
    ASSIGNED = "assigned", _("Assigned")
    MARKED_DUPLICATE = "marked_duplicate", _("Marked as a duplicate")
    DUPLICATE_ADDED = "duplicate_added", _("Duplicate report added")
    LINKED_TO_CASE = "linked_to_case", _("Linked to a case")


class ReportEvent(TimelineEvent):
    """A timeline entry that is not a status change (Saleor OrderEvent); see events.py.

    `parameters` never holds the reporter's identity.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=ReportEventType.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"], name="report_event_idx")]

    def __str__(self):
        return f"{self.report_id}: {self.type}"


class MessageDirection(models.TextChoices):
    TO_REPORTER = "to_reporter", _("To the reporter")
    FROM_REPORTER = "from_reporter", _("From the reporter")


class ReportMessage(models.Model):
    """The private thread between the reporter and intake (anonymous-safe)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=16, choices=MessageDirection.choices)
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    author_membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), editable=False)
    read_by_reporter_at = models.DateTimeField(null=True, blank=True)
    read_by_intake_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["report", "created_at"], name="report_message_idx")]

    def __str__(self):
        return f"{self.report_id}: {self.direction}"


class ReportIdempotencyKey(models.Model):
    """A client's key for one submission: a retry with the same key returns that report;
    `fingerprint` (a digest of the request's body, when the client is an app) tells a
    retry from a different request that reuses the key."""

    key = models.CharField(max_length=100, unique=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key


class StandardTextQuerySet(VisibleToQuerySet):
    default_permission = "reports.receive_reports"

    def need_to_know(self, viewer, permission, **resolved):
        return Q(organisation_id__in=viewer.organisations_with(permission))


class StandardText(BaseModel):
    """A question or answer intake sends reporters often, kept by an organisation with a
    version per resident language ({"nl": …, "tr": …}); the Dutch version is required.
    The report page offers it in the reporter's language."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.JSONField(_("text per language"), default=dict)
    active = models.BooleanField(_("in use"), default=True)

    objects = StandardTextQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("standard text")
        verbose_name_plural = _("standard texts")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "title"], name="standard_text_title_unique"
            )
        ]

    def __str__(self):
        return self.title

    def text_in(self, language: str) -> tuple[str, str]:
        """(text, language): the version in `language`, else the Dutch one."""
        code = (language or "nl").split("-")[0]
        if self.body.get(code):
            return self.body[code], code
        return self.body.get("nl", ""), "nl"


class SavedQueueFilter(BaseModel):
    """A person's named view of the queue: the query string of the queue page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved queue filter")
        verbose_name_plural = _("saved queue filters")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_queue_filter_unique")
        ]

    def __str__(self):
        return self.name
