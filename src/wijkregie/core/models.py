"""Shared kernel: the base model, the audit trail, background jobs and roles on objects."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    LIST = "list", _("listed")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")
    IMPORT = "import", _("imported")
    ERASE = "erase", _("erased")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only.")

    def delete(self):
        raise TypeError("The audit trail is append-only.")

    def seal_with(self, seal: "AuditSeal") -> int:
        """Set the seal of these (unsealed) entries: the one change the trail allows, and
        the one the PostgreSQL trigger lets through. Returns how many were sealed."""
        return super(AuditEntryQuerySet, self.filter(seal__isnull=True)).update(seal=seal)


class AuditEntry(models.Model):
    """One view or change of personal data (BRIEF 27).

    Append-only; written with one plain INSERT inside the caller's transaction. `hash`
    covers this entry's content; the sealer (`core.audit.audit_seal`) later binds the
    entry's id and hash into an `AuditSeal`, a Merkle root over a batch of entries, and the
    seals into a chain, so that a changed, deleted, inserted or reordered sealed entry is
    found by `manage.py audit_verify` (docs/adr/0009-audit-sealed-asynchronously.md).
    Actor and organisations are stored as ids and labels, not foreign keys: the trail
    outlives the accounts and organisations it mentions.
    """

    id = models.BigAutoField(_("number"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True)
    organisation_label = models.CharField(_("organisation"), max_length=200, blank=True)
    # Whose personal data it was: the landlord of the residents, the organisation holding
    # the report. Its privacy officer sees the entry, whoever the actor was.
    data_owner_id = models.BigIntegerField(_("data owner id"), null=True, blank=True)
    data_owner_label = models.CharField(_("data owner"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_ids = models.JSONField(_("object ids"), default=list)
    fields = models.JSONField(_("fields"), default=list)
    context_type = models.CharField(_("on behalf of (type)"), max_length=100, blank=True)
    context_id = models.CharField(_("on behalf of (id)"), max_length=64, blank=True)
    context_label = models.CharField(_("on behalf of"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=16, default="web")
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, editable=False)
    seal = models.ForeignKey(
        "AuditSeal",
        verbose_name=_("seal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="entries",
        db_index=False,  # the (seal, id) index below serves it
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["object_type", "-id"], name="audit_object_type_idx"),
            models.Index(fields=["actor_id", "-id"], name="audit_actor_idx"),
            models.Index(fields=["organisation_id", "-id"], name="audit_org_idx"),
            models.Index(fields=["data_owner_id", "-id"], name="audit_data_owner_idx"),
            models.Index(fields=["context_type", "context_id"], name="audit_context_idx"),
            models.Index(fields=["seal", "id"], name="audit_seal_idx"),
            # What the sealer and /health/ look for: small, whatever the trail's size.
            models.Index(
                fields=["id"], condition=models.Q(seal__isnull=True), name="audit_unsealed_idx"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")


class AuditSeal(models.Model):
    """A batch of audit entries sealed together: the Merkle root over their ids and hashes
    (RFC 6962), linked to the previous seal's hash and optionally signed (HMAC with
    `AUDIT_SEAL_KEY`). Append-only like the entries (docs/adr/0009)."""

    prev_hash = models.CharField(_("previous seal"), max_length=64)
    root = models.CharField(_("root"), max_length=64)
    entry_count = models.PositiveIntegerField(_("number of entries"))
    first_entry_id = models.BigIntegerField(_("first entry"))
    last_entry_id = models.BigIntegerField(_("last entry"))
    entry_ids = models.JSONField(_("entries"), default=list)
    sealed_at = models.DateTimeField(_("sealed at"))
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    signature = models.CharField(_("signature"), max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")

    def __str__(self):
        return f"seal {self.pk} of {self.entry_count} entries"


class AuditSealHead(models.Model):
    """The last seal's id and hash: the one row the sealer locks (never a request)."""

    last_seal_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit seal head")
        verbose_name_plural = _("audit seal heads")

    def __str__(self):
        return f"audit seal head at seal {self.last_seal_id}"


class Job(BaseModel):
    """A piece of background work (an import, a letter batch): its progress and report.

    The kind is one registered by an app (`core.jobs.register`); the lifecycle is in
    `core.jobs`. `created_by` is the person who started it, None when the platform did
    (a command, the demo); `created_by_label` names either, as the audit trail does.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("imported")
        FAILED = "failed", _("rejected")

    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_label = models.CharField(_("started by"), max_length=200, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"))
    target_id = models.BigIntegerField(_("target id"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content = models.BinaryField(_("file content"), blank=True)
    language = models.CharField(max_length=8, default="nl")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"], name="job_status_idx")]

    def __str__(self):
        return f"{self.kind} job {self.file_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class ObjectGrantQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=at),
            valid_from__lte=at,
            revoked_at__isnull=True,
        )

    def held_by(self, viewer):
        """Grants of the viewer's person; one tied to an organisation only while the viewer
        acts for it (an organisation token carries only its own organisation's)."""
        held = self.filter(user_id=viewer.user_id)
        scope = viewer.extra.get("organisation_scope")
        if scope is not None:
            return held.filter(organisation_id=scope)
        return held.filter(
            models.Q(organisation_id__isnull=True)
            | models.Q(organisation_id__in=viewer.organisation_ids)
        )


class ObjectGrant(BaseModel):
    """A person's role on one object (a case, a chat channel), for a period.

    Roles are declared in code by the app that owns the object
    (`core.access.ObjectRole`); `core.access.object_grant_add` and `object_grant_revoke`
    write these rows and audit them. A revoked grant stays as the record of who held the
    role when.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="object_grants"
    )
    organisation_id = models.BigIntegerField(
        _("acting for organisation"),
        null=True,
        blank=True,
        help_text=_("When set, the role holds only while the person acts for it."),
    )
    role = models.CharField(_("role"), max_length=100)
    granted_by_id = models.BigIntegerField(_("granted by (id)"), null=True, blank=True)
    granted_by_label = models.CharField(_("granted by"), max_length=200, blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by_label = models.CharField(_("revoked by"), max_length=200, blank=True)

    objects = ObjectGrantQuerySet.as_manager()

    class Meta:
        ordering = ["content_type", "object_id", "valid_from"]
        verbose_name = _("role on an object")
        verbose_name_plural = _("roles on objects")
        indexes = [
            models.Index(
                fields=["user", "content_type", "role", "object_id"], name="object_grant_user_idx"
            ),
            models.Index(fields=["content_type", "object_id"], name="object_grant_object_idx"),
        ]

    def __str__(self):
        return f"{self.role} on {self.content_type_id}:{self.object_id}"

    def target(self):
        """The object the role is on, or None when it is gone."""
        model = self.content_type.model_class()
        return model._default_manager.filter(pk=self.object_id).first() if model else None


class DataSubjectRequest(BaseModel):
    """A data subject's request handled by a privacy officer: an export (AVG art. 15) or
    an erasure (art. 17), with the reason given and what was erased or kept.

    Holds no personal data of the subject beyond their id: after an erasure the id points
    at nothing. The reason is free text; the page asks not to repeat the person's name.
    """

    class Kind(models.TextChoices):
        EXPORT = "export", _("access (export)")
        ERASURE = "erasure", _("erasure")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject_type = models.CharField(_("data subject type"), max_length=100)
    subject_id = models.BigIntegerField(_("data subject id"))
    organisation_id = models.BigIntegerField(_("organisation id"))
    actor_id = models.BigIntegerField(_("handled by (id)"), null=True, blank=True)
    actor_label = models.CharField(_("handled by"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    # {category key: number of records erased} and {category key: why it was kept}
    erased = models.JSONField(_("erased"), default=dict, blank=True)
    held = models.JSONField(_("kept (legal hold)"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        permissions = [
            ("handle_data_subject_requests", "Can handle data subject requests (export, erasure)")
        ]
        indexes = [
            models.Index(fields=["organisation_id", "-created_at"], name="dsr_org_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_type}:{self.subject_id}"
