"""Every write of letters: templates, batches, the making of the PDFs, review and sending.

The life of a batch (docs/letters.md): drafted (`letter_batch_create` chooses the
recipients under need-to-know and starts a background job that makes one PDF per resident
and then the print bundle) → reviewed by a second person, never the author
(`letter_batch_review`) → sent (`letter_batch_send` starts a job that records one delivery
per resident in the contact history through `residents.services.contact_moment_record`).

Both jobs commit per letter: a letter is made when its PDF is stored (one UPDATE guarded by
`made_at IS NULL`), delivered when its contact moment is recorded (unique per letter). A
worker killed halfway leaves whole letters only; `jobs.job_resume_stale` runs the job
again and it does only what is left: no letter lost, none made or sent twice.
"""

import logging
import secrets
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from wijkregie.communications import merge_fields, tasks
from wijkregie.communications.models import (
    Letter,
    LetterBatch,
    LetterTemplate,
    LetterTemplateVersion,
)
from wijkregie.communications.models.letters import BODY_MAX, SIGNATURE_MAX, SUBJECT_MAX
from wijkregie.communications.selectors.letters import (
    letter_batch_get,
    letter_context,
    letter_language,
    letter_recipients,
    letter_target_units,
    letter_template_get,
    letter_template_version_for,
    may_send_letters,
)
from wijkregie.communications.workflows import (
    LETTERS_MAKE_JOB,
    LETTERS_SEND_JOB,
    BatchStatus,
    BatchTarget,
    DeliveryMethod,
)
from wijkregie.core import jobs
from wijkregie.core.access import Viewer, system_viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.core.models import Job
from wijkregie.core.pdf import pdf_concatenate, render_pdf
from wijkregie.partners.models import Organisation
from wijkregie.partners.selectors import viewer_for
from wijkregie.residents.languages import is_language_code
from wijkregie.residents.models import ContactChannel, ContactMoment
from wijkregie.residents.services import contact_moment_record

logger = logging.getLogger(__name__)

LETTER_TEMPLATE = "communications/letters/letter.pdf.html"
LETTER_SOURCE = "communications.letter"  # the source of a delivery's contact moment
MAX_LETTERS = 5000
MAX_FLOORS = 200
MAX_UNITS = 5000
CHUNK = 50  # letters read from the database at a time: the worker's memory stays flat
MAX_DATE_AHEAD = timedelta(days=366)


# --- Templates ---------------------------------------------------------------------------------


def _unknown_field_error(names: list[str]) -> str:
    known = ", ".join(f"{{{{ {f.name} }}}}" for f in merge_fields.registered())
    return _("Unknown merge field: %(fields)s. Use one of: %(known)s.") % {
        "fields": ", ".join(f"{{{{ {n} }}}}" for n in names),
        "known": known,
    }


def _check_text(errors: dict, key: str, text: str, *, required: bool, limit: int) -> str:
    text = (text or "").replace("\x00", "").strip()
    if required and not text:
        errors.setdefault(key, []).append(_("This field is required."))
        return text
    if len(text) > limit:
        errors.setdefault(key, []).append(
            _("At most %(limit)s characters (this is %(count)s).")
            % {"limit": limit, "count": len(text)}
        )
    unknown, stray = merge_fields.problems_in(text)
    if unknown:
        errors.setdefault(key, []).append(_unknown_field_error(unknown))
    if stray:
        errors.setdefault(key, []).append(
            _("Braces that form no merge field: write a field as {{ name }}.")
        )
    return text


def _clean_versions(versions: dict) -> dict[str, dict]:
    """{language: {subject, body, signature}} checked; ValidationError with keys such as
    "nl.body" for every problem (nothing is written)."""
    errors: dict[str, list] = {}
    cleaned = {}
    if not isinstance(versions, dict) or "nl" not in versions:
        raise ValidationError({"versions": [_("Every template needs a Dutch version (nl).")]})
    for language, texts in versions.items():
        code = str(language).strip().lower()
        if not is_language_code(code):
            errors.setdefault("versions", []).append(
                _("“%(value)s” is not a language code (ISO 639-1, two letters such as nl or tr).")
                % {"value": str(language)[:8]}
            )
            continue
        texts = texts or {}
        cleaned[code] = {
            "subject": _check_text(
                errors, f"{code}.subject", texts.get("subject"), required=True, limit=SUBJECT_MAX
            ),
            "body": _check_text(
                errors, f"{code}.body", texts.get("body"), required=True, limit=BODY_MAX
            ),
            "signature": _check_text(
                errors,
                f"{code}.signature",
                texts.get("signature"),
                required=True,
                limit=SIGNATURE_MAX,
            ),
        }
    if errors:
        raise ValidationError(errors)
    return cleaned


def _audit_template(actor: Viewer, template: LetterTemplate, action: str) -> None:
    audit_record(
        viewer=actor,
        action=action,
        object_type="communications.lettertemplate",
        object_ids=[template.pk],
        fields=["name", "versions"],
        organisation_id=template.organisation_id,
        data_owner=DataOwner(template.organisation_id),
    )


def _write_versions(template: LetterTemplate, versions: dict[str, dict]) -> None:
    template.versions.exclude(language__in=list(versions)).delete()
    for language, texts in versions.items():
        LetterTemplateVersion.objects.update_or_create(
            template=template, language=language, defaults=texts
        )


def _clean_name(name: str) -> str:
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("At most 200 characters.")]})
    return name


def letter_template_create(
    *, actor: Viewer, organisation_id, name: str, versions: dict
) -> LetterTemplate:
    """A letter template of `organisation_id` with a Dutch version and any others; unknown
    merge fields and stray braces are refused (ValidationError), nothing is written."""
    organisation_id = as_id(organisation_id, message=_("Organisation not found."))
    if not may_send_letters(actor, organisation_id):
        raise PermissionDenied(_("You may not write letters for this organisation."))
    if not Organisation.objects.filter(pk=organisation_id).exists():
        raise NotFound(_("Organisation not found."))
    name = _clean_name(name)
    cleaned = _clean_versions(versions)
    with transaction.atomic():
        if LetterTemplate.objects.filter(organisation_id=organisation_id, name=name).exists():
            raise ValidationError({"name": [_("A template with this name already exists.")]})
        template = LetterTemplate.objects.create(
            organisation_id=organisation_id, name=name, created_by_id=actor.user_id
        )
        _write_versions(template, cleaned)
        _audit_template(actor, template, "create")
    return template


def letter_template_update(
    *, actor: Viewer, template_id, name: str, versions: dict
) -> LetterTemplate:
    """Replace a template's name and language versions (checked as on creation)."""
    name = _clean_name(name)
    cleaned = _clean_versions(versions)
    with transaction.atomic():
        template = letter_template_get(viewer=actor, id=template_id)
        if (
            LetterTemplate.objects.filter(organisation_id=template.organisation_id, name=name)
            .exclude(pk=template.pk)
            .exists()
        ):
            raise ValidationError({"name": [_("A template with this name already exists.")]})
        template.name = name
        template.save(update_fields=["name", "updated_at"])
        _write_versions(template, cleaned)
        _audit_template(actor, template, "update")
    return letter_template_get(viewer=actor, id=template.pk)


# --- Rendering ---------------------------------------------------------------------------------


def letter_html_context(
    *, version: LetterTemplateVersion, context: merge_fields.LetterContext
) -> dict:
    return {
        "address_lines": context.address_lines,
        "sender": context.organisation_name,
        "date": context.date,
        "reference": context.reference,
        "subject": merge_fields.render_inline(version.subject, context),
        "body": merge_fields.render_html(version.body, context),
        "signature": merge_fields.render_html(version.signature, context),
    }


def letter_render(*, version: LetterTemplateVersion, context: merge_fields.LetterContext) -> bytes:
    """One letter as a tagged PDF in its language (right to left for Arabic and the like)."""
    html_context = letter_html_context(version=version, context=context)
    return render_pdf(
        LETTER_TEMPLATE,
        html_context,
        title=html_context["subject"],
        language=context.language,
        author=context.organisation_name,
        subject=html_context["subject"],
    )


def letter_preview(
    *, actor: Viewer, template_id, resident_id=None, building_id=None, language: str = ""
) -> dict:
    """The first recipient's letter (or the chosen resident's) with real data, as the HTML
    context of the letter: nothing is stored. For a template page before any batch."""
    template = letter_template_get(viewer=actor, id=template_id)
    if building_id is None:
        raise ValidationError({"building": [_("Choose a building for the preview.")]})
    _building, units, _case = letter_target_units(
        viewer=actor, target=BatchTarget.BUILDING, building_id=building_id
    )
    recipients, _excluded = letter_recipients(
        viewer=actor, organisation_id=template.organisation_id, units=units
    )
    if resident_id is not None:
        recipients = [r for r in recipients if r.resident.pk == resident_id]
    if not recipients:
        raise ApplicationError(_("No resident in this building to preview the letter for."))
    recipient = recipients[0]
    language = language or letter_language(template, recipient.resident)
    version = letter_template_version_for(template, language)
    context = letter_context(
        batch_or_none=None,
        organisation=template.organisation,
        resident=recipient.resident,
        unit=recipient.unit,
        letter=None,
        language=version.language,
        day=timezone.localdate(),
        reference=_("(reference)"),
        code=_("(personal code)"),
        author=actor,
    )
    audit_record(
        viewer=actor,
        action="view",
        object_type="residents.resident",
        object_ids=[recipient.resident.pk],
        fields=["given_name", "family_name", "units", "letter"],
        organisation_id=template.organisation_id,
        data_owner=DataOwner(recipient.resident.landlord_id),
    )
    return {
        "language": version.language,
        "bidi": version.language in {"ar", "fa", "he", "ur", "ps", "ku"},
        **letter_html_context(version=version, context=context),
    }


# --- Batches -----------------------------------------------------------------------------------


def _int_list(values, *, limit: int, key: str, message: str) -> list[int]:
    try:
        result = sorted({int(v) for v in values or ()})
    except (TypeError, ValueError):
        raise ValidationError({key: [message]}) from None
    if len(result) > limit:
        raise ValidationError({key: [_("At most %(limit)s.") % {"limit": limit}]})
    return result


def letter_batch_create(
    *,
    actor: Viewer,
    organisation_id,
    template_id,
    title: str,
    target: str,
    building_id=None,
    floors=(),
    unit_ids=(),
    case_id=None,
    delivery_method: str = DeliveryMethod.POST,
    letter_date: date | None = None,
    language: str = "nl",
) -> LetterBatch:
    """Draft a batch: one letter per resident of the target (under need-to-know), and start
    the job that makes the PDFs and the print bundle (its report in `language`). Refused,
    with nothing written, when a value is wrong or no resident would get a letter."""
    jobs.check_language(language)
    organisation_id = as_id(organisation_id, message=_("Organisation not found."))
    if not may_send_letters(actor, organisation_id):
        raise PermissionDenied(_("You may not write letters for this organisation."))
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("Organisation not found."))
    template = letter_template_get(viewer=actor, id=template_id)
    if template.organisation_id != organisation_id:
        raise ValidationError({"template": [_("Choose a template of the sending organisation.")]})
    title = (title or "").replace("\x00", "").strip()
    if not title or len(title) > 200:
        raise ValidationError({"title": [_("Give the batch a title of at most 200 characters.")]})
    if target not in BatchTarget.values:
        raise ValidationError({"target": [_("Choose whom the letters are addressed to.")]})
    if delivery_method not in DeliveryMethod.values:
        raise ValidationError({"delivery_method": [_("Choose how the letters are delivered.")]})
    today = timezone.localdate()
    letter_date = letter_date or today
    if not (today - MAX_DATE_AHEAD <= letter_date <= today + MAX_DATE_AHEAD):
        raise ValidationError(
            {"letter_date": [_("The date of the letter is more than a year away.")]}
        )
    floors = _int_list(floors, limit=MAX_FLOORS, key="floors", message=_("Floors are numbers."))
    unit_ids = _int_list(unit_ids, limit=MAX_UNITS, key="units", message=_("Choose units."))
    if target == BatchTarget.FLOORS and not floors:
        raise ValidationError({"floors": [_("Choose at least one floor.")]})
    if target == BatchTarget.UNITS and not unit_ids:
        raise ValidationError({"units": [_("Choose at least one unit.")]})
    if target == BatchTarget.CASE and case_id is None:
        raise ValidationError({"case": [_("Choose a case.")]})
    if target != BatchTarget.CASE and building_id is None:
        raise ValidationError({"building": [_("Choose a building.")]})
    with transaction.atomic():
        building, units, case = letter_target_units(
            viewer=actor,
            target=target,
            building_id=building_id,
            floors=floors,
            unit_ids=unit_ids,
            case_id=case_id,
        )
        if target == BatchTarget.UNITS and len(units) != len(unit_ids):
            raise ValidationError({"units": [_("Some of these units are not in the building.")]})
        recipients, excluded = letter_recipients(
            viewer=actor, organisation_id=organisation_id, units=units
        )
        if not recipients:
            raise ApplicationError(
                _("No resident would get this letter: nobody you may write to lives there.")
                if not excluded
                else _("No resident would get this letter: their addresses are incomplete.")
            )
        if len(recipients) > MAX_LETTERS:
            raise ApplicationError(
                _("At most %(limit)s letters in one batch.") % {"limit": MAX_LETTERS}
            )
        batch = LetterBatch(
            organisation=organisation,
            template=template,
            title=title,
            reference=secrets.token_hex(8),
            target=target,
            building=building,
            floors=floors if target == BatchTarget.FLOORS else [],
            case=case,
            delivery_method=delivery_method,
            letter_date=letter_date,
            excluded=excluded,
            created_by_id=actor.user_id,
            created_by_label=actor.label[:200],
        )
        batch.save(force_insert=True)
        batch.reference = f"WR-{letter_date:%Y}-{batch.pk:05d}"
        batch.save(update_fields=["reference"])
        Letter.objects.bulk_create(
            [
                Letter(
                    batch=batch,
                    resident=r.resident,
                    unit=r.unit,
                    position=i,
                    language=letter_language(template, r.resident),
                    reference=f"{batch.reference}-{i:04d}",
                    code=secrets.token_urlsafe(12),
                )
                for i, r in enumerate(recipients, start=1)
            ]
        )
        audit_record(
            viewer=actor,
            action="create",
            object_type="communications.letterbatch",
            object_ids=[batch.pk],
            fields=["recipients"],
            organisation_id=organisation_id,
            context=AuditContext(type="places.building", id=str(building.pk), label=building.name),
            data_owner=DataOwner(building.owner_id),
        )
        job = jobs.job_start(
            actor=actor,
            kind=LETTERS_MAKE_JOB,
            organisation_id=organisation_id,
            target_id=batch.pk,
            file_name=batch.reference,
            language=language,
        )
        LetterBatch.objects.filter(pk=batch.pk).update(make_job=job)
    batch.refresh_from_db()
    return batch


def _batch_for_change(actor: Viewer, batch_id) -> LetterBatch:
    batch = letter_batch_get(viewer=actor, id=batch_id)
    locked = LetterBatch.objects.select_for_update().defer("bundle").get(pk=batch.pk)
    locked.letter_count, locked.made_count = batch.letter_count, batch.made_count
    return locked


def letter_batch_review(*, actor: Viewer, batch_id) -> LetterBatch:
    """Approve a drafted batch whose letters are all made: a second person, never the
    author. Refused with a clear message otherwise; nothing changes."""
    with transaction.atomic():
        batch = _batch_for_change(actor, batch_id)
        if batch.status != BatchStatus.DRAFT:
            raise ApplicationError(_("This batch has already been reviewed."))
        if actor.user_id is not None and actor.user_id == batch.created_by_id:
            raise ApplicationError(
                _(
                    "You drafted these letters yourself. A second person reviews them "
                    "before they are sent (four eyes)."
                )
            )
        if batch.made_count != batch.letter_count or not batch.bundle_made_at:
            raise ApplicationError(
                _("The letters are still being made. Review them when they are all ready.")
            )
        now = timezone.now()
        batch.status = BatchStatus.REVIEWED
        batch.reviewed_by_id = actor.user_id
        batch.reviewed_at = now
        batch.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        _audit_batch(actor, batch, "reviewed")
    return batch


def letter_batch_send(*, actor: Viewer, batch_id, language: str = "nl") -> LetterBatch:
    """Send a reviewed batch: a job records a delivery per resident in the contact history
    (and e-mails the PDF where the batch goes by e-mail and the resident has an address)."""
    jobs.check_language(language)
    with transaction.atomic():
        batch = _batch_for_change(actor, batch_id)
        if batch.status == BatchStatus.DRAFT:
            raise ApplicationError(
                _("A second person must review these letters before they are sent.")
            )
        if batch.status != BatchStatus.REVIEWED:
            raise ApplicationError(_("This batch has already been sent."))
        batch.status = BatchStatus.SENDING
        batch.sent_by_id = actor.user_id
        batch.save(update_fields=["status", "sent_by", "updated_at"])
        _audit_batch(actor, batch, "sent")
        job = jobs.job_start(
            actor=actor,
            kind=LETTERS_SEND_JOB,
            organisation_id=batch.organisation_id,
            target_id=batch.pk,
            file_name=batch.reference,
            language=language,
        )
        LetterBatch.objects.filter(pk=batch.pk).update(send_job=job)
    batch.refresh_from_db()
    return batch


def _audit_batch(actor: Viewer, batch: LetterBatch, field: str) -> None:
    audit_record(
        viewer=actor,
        action="update",
        object_type="communications.letterbatch",
        object_ids=[batch.pk],
        fields=[field],
        organisation_id=batch.organisation_id,
        data_owner=DataOwner(batch.organisation_id),
    )


# --- The jobs ------------------------------------------------------------------------------------


def _run_viewer(job: Job) -> Viewer:
    if job.created_by is not None:
        return viewer_for(job.created_by, origin="task")
    return system_viewer(label=job.created_by_label or "system", origin="task")


def _unmade(batch: LetterBatch):
    """The letters still to make, a chunk at a time (the worker's memory stays flat)."""
    while True:
        chunk = list(
            Letter.objects.filter(batch=batch, made_at__isnull=True)
            .defer("pdf")
            .select_related("resident", "unit__building")
            .order_by("position")[:CHUNK]
        )
        if not chunk:
            return
        yield from chunk


def _author(batch: LetterBatch) -> Viewer:
    """The batch's author, as whom its letters' merge fields act (in a task)."""
    if batch.created_by is not None:
        return viewer_for(batch.created_by, origin="task")
    return system_viewer(label=batch.created_by_label or "system", origin="task")


def letter_make(
    *,
    batch: LetterBatch,
    letter: Letter,
    author: Viewer,
    record_progress: Callable[[], None] | None = None,
) -> bool:
    """Make one letter's PDF and store it, unless another run stored it first. The merge
    fields act as `author` (the batch's: `_author`). The PDF is rendered outside any
    transaction; `record_progress` (the job's progress) is written in the transaction that
    stores it: one commit per letter, and the progress never counts a letter that is not
    stored."""
    version = letter_template_version_for(batch.template, letter.language)
    context = letter_context(
        batch_or_none=batch,
        organisation=batch.organisation,
        resident=letter.resident,
        unit=letter.unit,
        letter=letter,
        language=version.language,
        day=batch.letter_date,
        reference=letter.reference,
        code=letter.code,
        author=author,
    )
    pdf = letter_render(version=version, context=context)
    with transaction.atomic():
        stored = Letter.objects.filter(pk=letter.pk, made_at__isnull=True).update(
            pdf=pdf, made_at=timezone.now(), language=version.language
        )
        if record_progress is not None:
            record_progress()
    return bool(stored)


def _letter_pdfs(batch: LetterBatch):
    """The batch's PDFs in walking order, read CHUNK at a time."""
    ids = list(Letter.objects.filter(batch=batch).order_by("position").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        pdfs = Letter.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("position")
        for data in pdfs.values_list("pdf", flat=True):
            yield bytes(data)


def _bundle(batch: LetterBatch) -> bytes:
    """All letters of the batch in walking order, one PDF for the printer.

    Written letter by letter to a temporary file (`pdf_concatenate`): the merge holds one
    letter at a time; only the finished bundle is read back, to store it in its row."""
    with tempfile.TemporaryFile() as target:
        pdf_concatenate(_letter_pdfs(batch), target)
        target.seek(0)
        return target.read()


def letter_batch_make_job(run: jobs.JobRun) -> None:
    """The runner of a batch's letters: make every letter not made yet (committed one by
    one, with the progress), then the print bundle, in one transaction with the finish."""
    batch = (
        LetterBatch.objects.defer("bundle")
        .select_related("template", "organisation", "created_by")
        .filter(pk=run.job.target_id)
        .first()
    )
    if batch is None:
        run.errors.add(None, "", _("The letter batch no longer exists."))
        run.fail()
        return
    batch.template = LetterTemplate.objects.prefetch_related("versions").get(pk=batch.template_id)
    total = Letter.objects.filter(batch=batch).count()
    done = total - Letter.objects.filter(batch=batch, made_at__isnull=True).count()
    made_now = 0
    run.progress(done, total)
    author = _author(batch)
    for letter in _unmade(batch):
        done += 1
        if letter_make(
            batch=batch,
            letter=letter,
            author=author,
            record_progress=partial(run.progress, done, total),
        ):
            made_now += 1
    bundle = _bundle(batch)
    with transaction.atomic():
        LetterBatch.objects.filter(pk=batch.pk).update(bundle=bundle, bundle_made_at=timezone.now())
        run.succeed(total_rows=total, created=made_now)


def _delivery_summary(batch: LetterBatch, method: str, language: str) -> str:
    with override(language):
        how = DeliveryMethod(method).label
        return _("Letter “%(title)s” (%(reference)s) sent: %(how)s.") % {
            "title": batch.title,
            "reference": batch.reference,
            "how": str(how).lower(),
        }


def letter_deliver(*, actor: Viewer, batch: LetterBatch, letter: Letter) -> bool:
    """Record one letter's delivery in the contact history, once; e-mail it on commit when
    the batch goes by e-mail and the resident has an address (else it goes by post)."""
    method = batch.delivery_method
    if method == DeliveryMethod.EMAIL and not letter.resident.email:
        method = DeliveryMethod.POST
    with transaction.atomic():
        if not Letter.objects.select_for_update().filter(pk=letter.pk, sent_at__isnull=True):
            return False
        existing = ContactMoment.objects.filter(
            resident_id=letter.resident_id, source_type=LETTER_SOURCE, source_id=str(letter.pk)
        ).first()
        moment = existing or contact_moment_record(
            actor=actor,
            resident_id=letter.resident_id,
            channel=ContactChannel.EMAIL
            if method == DeliveryMethod.EMAIL
            else ContactChannel.LETTER,
            summary=_delivery_summary(batch, method, "nl"),
            organisation_id=batch.organisation_id,
            source=(LETTER_SOURCE, letter.pk),
        )
        Letter.objects.filter(pk=letter.pk).update(
            sent_at=timezone.now(), delivery_method=method, contact_moment=moment
        )
        if method == DeliveryMethod.EMAIL:
            tasks.letter_email_notify.enqueue(letter_id=letter.pk)
    return True


def letter_batch_send_job(run: jobs.JobRun) -> None:
    """The runner of a batch's deliveries: each letter not delivered yet, committed one by
    one; a letter whose resident the sender can no longer see is reported, not sent."""
    batch = LetterBatch.objects.defer("bundle").filter(pk=run.job.target_id).first()
    if batch is None:
        run.errors.add(None, "", _("The letter batch no longer exists."))
        run.fail()
        return
    actor = _run_viewer(run.job)
    letters = Letter.objects.filter(batch=batch).defer("pdf").select_related("resident")
    total = letters.count()
    done = letters.filter(sent_at__isnull=False).count()
    sent_now = 0
    run.progress(done, total)
    for letter in list(letters.filter(sent_at__isnull=True).order_by("position")):
        try:
            if letter_deliver(actor=actor, batch=batch, letter=letter):
                sent_now += 1
        except (ApplicationError, ValidationError) as exc:
            run.errors.add(letter.position, "", getattr(exc, "message", str(exc)))
        done += 1
        run.progress(done, total)
    with transaction.atomic():
        LetterBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.SENT, sent_at=timezone.now()
        )
        run.succeed(total_rows=total, created=sent_now)
        if run.errors:  # a finished job that reports the letters it could not deliver
            Job.objects.filter(pk=run.job.pk).update(
                errors=run.errors.report(), error_count=run.errors.count
            )
