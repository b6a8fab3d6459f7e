"""Letter services: templates, batches, the making job (and its resume), review, sending."""

import datetime
import io
import re

from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

import pytest
from pypdf import PdfReader

from wijkregie.communications import merge_fields
from wijkregie.communications.models import Letter, LetterBatch, LetterTemplate
from wijkregie.communications.services import letters as services
from wijkregie.core import jobs
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry, Job
from wijkregie.places.models import Unit
from wijkregie.residents.models import ContactMoment

from .conftest import VERSIONS, tiny_pdf

# --- Templates -----------------------------------------------------------------------------------


def test_a_template_keeps_its_language_versions(world):
    template = world.template()
    assert sorted(template.versions.values_list("language", flat=True)) == ["ar", "nl"]
    entry = AuditEntry.objects.get(object_type="communications.lettertemplate")
    assert (entry.action, entry.object_ids) == ("create", [str(template.pk)])


def test_an_unknown_merge_field_is_refused_in_dutch(world):
    versions = {"nl": {**VERSIONS["nl"], "body": "Beste {{ naam }}, {{ resident_name }}"}}
    with translation.override("nl"), pytest.raises(ValidationError) as caught:
        world.template(versions=versions)
    message = caught.value.message_dict["nl.body"][0]
    assert message.startswith("Onbekend samenvoegveld: {{ naam }}. Gebruik een van: {{ address }}")
    assert LetterTemplate.objects.count() == 0


@pytest.mark.parametrize(
    ("versions", "key", "message"),
    [
        ({"en": VERSIONS["nl"]}, "versions", "Every template needs a Dutch version (nl)."),
        (
            {"nl": VERSIONS["nl"], "xx": VERSIONS["nl"]},
            "versions",
            "“xx” is not a language code (ISO 639-1, two letters such as nl or tr).",
        ),
        (
            {"nl": {**VERSIONS["nl"], "subject": "Over {{ building }"}},
            "nl.subject",
            "Braces that form no merge field: write a field as {{ name }}.",
        ),
        ({"nl": {**VERSIONS["nl"], "signature": "  "}}, "nl.signature", "This field is required."),
    ],
)
def test_a_bad_template_is_refused(world, versions, key, message):
    with pytest.raises(ValidationError) as caught:
        world.template(versions=versions)
    assert caught.value.message_dict[key] == [message]
    assert LetterTemplate.objects.count() == 0


def test_only_letter_writers_of_the_organisation_make_templates(world):
    with pytest.raises(PermissionDenied):
        world.template(actor=world.viewer("reader"))
    with pytest.raises(PermissionDenied):
        world.template(actor=world.viewer("outsider"))


def test_a_template_of_another_organisation_is_not_found(world):
    template = world.template()
    with pytest.raises(NotFound):
        services.letter_template_update(
            actor=world.viewer("outsider"), template_id=template.pk, name="x", versions=VERSIONS
        )


def test_updating_a_template_replaces_its_versions(world):
    template = world.template()
    updated = services.letter_template_update(
        actor=world.viewer("reviewer"),
        template_id=template.pk,
        name="Nieuws 2",
        versions={"nl": VERSIONS["nl"]},
    )
    assert (updated.name, [v.language for v in updated.versions.all()]) == ("Nieuws 2", ["nl"])


# --- Batches -------------------------------------------------------------------------------------


def test_the_merge_fields_act_as_the_letters_author(world, monkeypatch):
    """A field that issues something (the chat's join code) does it as the author: the
    batch's author in the making job, the one previewing in a preview."""
    merge_fields.register(
        "author_id",
        label="Author",
        provider=lambda c: str(c.viewer.user_id) if c.viewer else "nobody",
    )
    made = []

    def render(*, version, context):
        made.append(merge_fields.render_inline("{{ author_id }}", context))
        return tiny_pdf()

    monkeypatch.setattr(services, "letter_render", render)
    try:
        template = world.template(
            versions={"nl": {**VERSIONS["nl"], "body": "Door {{ author_id }}"}}
        )
        world.batch(template=template)
        preview = services.letter_preview(
            actor=world.viewer("reviewer"), template_id=template.pk, building_id=world.building.pk
        )
    finally:
        merge_fields.unregister("author_id")
    assert made == [str(world.users["author"].pk)] * 4
    assert preview["body"] == f"<p>Door {world.users['reviewer'].pk}</p>"


def test_a_batch_has_a_letter_per_resident_in_walking_order_and_language(world, fast_pdf):
    batch = world.batch()
    letters = list(batch.letters.order_by("position").select_related("resident"))
    assert [(le.resident.given_name, le.language, le.position) for le in letters] == [
        ("Anna", "nl", 1),
        ("Samira", "ar", 2),
        ("Tom", "nl", 3),  # no Turkish version: Dutch
        ("Eva", "nl", 4),
    ]
    assert all(le.made_at and le.pdf for le in letters)
    assert batch.reference == f"WR-{timezone.localdate():%Y}-{batch.pk:05d}"
    assert letters[0].reference == f"{batch.reference}-0001"
    assert batch.bundle_made_at is not None
    assert bytes(LetterBatch.objects.get(pk=batch.pk).bundle).startswith(b"%PDF")
    job = Job.objects.get(pk=batch.make_job_id)
    assert (job.status, job.total_rows, job.created_count) == ("succeeded", 4, 4)
    assert len(fast_pdf) == 4


def test_a_batch_for_floors_or_units(world, fast_pdf):
    template = world.template()
    floors = world.batch(template=template, target="floors", floors=[1])
    assert sorted(floors.letters.values_list("unit__house_number", flat=True)) == [3, 4]
    assert floors.floors == [1]
    units = world.batch(template=template, target="units", unit_ids=[world.units[1].pk])
    assert list(units.letters.values_list("resident__given_name", flat=True)) == ["Samira"]


def test_a_resident_without_a_complete_address_is_left_out(world, fast_pdf):
    Unit.objects.filter(pk=world.units[0].pk).update(postcode="")
    batch = world.batch()
    assert batch.excluded == [{"resident_id": world.residents[0].pk, "reason": "no_address"}]
    assert batch.letters.count() == 3


def test_a_resident_without_a_language_gets_dutch(world, fast_pdf):
    type(world.residents[0]).objects.filter(pk=world.residents[0].pk).update(preferred_language="")
    batch = world.batch()
    assert batch.letters.get(resident=world.residents[0]).language == "nl"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"target": "floors", "floors": []}, "floors"),
        ({"target": "units", "unit_ids": []}, "units"),
        ({"target": "case"}, "case"),
        ({"target": "everyone"}, "target"),
        ({"delivery_method": "pigeon"}, "delivery_method"),
        ({"title": " "}, "title"),
        ({"letter_date": datetime.date(2000, 1, 1)}, "letter_date"),
        ({"target": "floors", "floors": ["one"]}, "floors"),
    ],
)
def test_bad_batch_input_is_refused_and_nothing_is_written(world, fast_pdf, overrides, key):
    template = world.template()
    with pytest.raises(ValidationError) as caught:
        world.batch(template=template, **overrides)
    assert key in caught.value.message_dict
    assert (LetterBatch.objects.count(), Letter.objects.count(), Job.objects.count()) == (0, 0, 0)


def test_units_of_another_building_are_refused(world, fast_pdf):
    from tests.residents.factories import make_building, make_unit

    elsewhere = make_unit(make_building(world.landlord, name="Ander", postcode="3521CD"), 9)
    with pytest.raises(ValidationError) as caught:
        world.batch(target="units", unit_ids=[elsewhere.pk])
    assert caught.value.message_dict["units"] == ["Some of these units are not in the building."]


def test_a_batch_nobody_would_get_is_refused(world, fast_pdf):
    Unit.objects.filter(building=world.building).update(postcode="")
    with pytest.raises(ApplicationError) as caught:
        world.batch()
    assert caught.value.message == (
        "No resident would get this letter: their addresses are incomplete."
    )
    assert LetterBatch.objects.count() == 0


def test_people_without_the_right_get_no_batch(world, fast_pdf):
    template = world.template()
    for name in ("reader", "partner"):
        with pytest.raises(PermissionDenied):
            world.batch(template=template, actor=world.viewer(name))
    with pytest.raises(PermissionDenied):
        world.batch(template=template, actor=world.viewer("outsider"))


def test_the_print_bundle_holds_every_letter_once_in_walking_order(world):
    batch = world.batch()  # real PDFs: each page names its letter's reference

    bundle = PdfReader(io.BytesIO(bytes(LetterBatch.objects.get(pk=batch.pk).bundle)))
    letters = list(batch.letters.order_by("position"))
    assert len(bundle.pages) == len(letters) == 4
    pattern = re.compile(re.escape(batch.reference) + r"-\d{4}")
    references = [pattern.findall(page.extract_text()) for page in bundle.pages]
    assert references == [[le.reference] for le in letters]
    assert [page.get_contents().get_data() for page in bundle.pages] == [
        PdfReader(io.BytesIO(bytes(le.pdf))).pages[0].get_contents().get_data() for le in letters
    ]


# --- A worker killed mid-batch --------------------------------------------------------------


class Killed(BaseException):
    """What a killed worker looks like from inside: the run just stops."""


def test_a_worker_killed_midway_resumes_without_losing_or_doubling_a_letter(
    world, monkeypatch, settings
):
    rendered = []

    def dying(*, version, context):
        if len(rendered) == 2:
            raise Killed
        rendered.append(context.resident_id)
        from .conftest import tiny_pdf

        return tiny_pdf()

    monkeypatch.setattr(services, "letter_render", dying)
    template = world.template()
    world.batch(template=template)  # the task runner swallows the kill; the job stays running
    batch = LetterBatch.objects.get()
    job = Job.objects.get(pk=batch.make_job_id)
    assert (job.status, job.processed_rows, job.attempts) == ("running", 2, 1)
    made = dict(batch.letters.filter(made_at__isnull=False).values_list("pk", "made_at"))
    assert len(made) == 2

    def alive(*, version, context):
        rendered.append(context.resident_id)
        from .conftest import tiny_pdf

        return tiny_pdf()

    monkeypatch.setattr(services, "letter_render", alive)
    later = timezone.now() + jobs.STALE_AFTER + datetime.timedelta(minutes=1)
    assert jobs.job_resume_stale(now=later) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.total_rows, job.created_count) == ("succeeded", 2, 4, 2)
    assert sorted(rendered) == sorted(r.pk for r in world.residents)  # each exactly once
    letters = batch.letters.all()
    assert all(le.made_at for le in letters)
    assert {le.pk: le.made_at for le in letters if le.pk in made} == made  # not made again
    batch.refresh_from_db()
    assert batch.bundle_made_at is not None


def test_a_send_killed_midway_resumes_without_sending_twice(
    world, fast_pdf, monkeypatch, django_capture_on_commit_callbacks
):
    batch = world.batch(delivery_method="email")
    services.letter_batch_review(actor=world.viewer("reviewer"), batch_id=batch.pk)
    real = services.letter_deliver
    calls = []

    def dying(**kwargs):
        if len(calls) == 2:
            raise Killed
        calls.append(kwargs["letter"].pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "letter_deliver", dying)
    services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    assert ContactMoment.objects.filter(source_type=services.LETTER_SOURCE).count() == 2
    monkeypatch.setattr(services, "letter_deliver", real)
    later = timezone.now() + jobs.STALE_AFTER + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.job_resume_stale(now=later) == 1
    moments = ContactMoment.objects.filter(source_type=services.LETTER_SOURCE)
    assert moments.count() == 4
    assert sorted(moments.values_list("resident_id", flat=True)) == sorted(
        r.pk for r in world.residents
    )
    # The two letters of the killed run were e-mailed on their own commits (lost here with
    # the test's transaction), the other two now: Eva has no address, hers went by post.
    assert len(mail.outbox) == 1
    batch.refresh_from_db()
    assert batch.status == "sent"


# --- Review and sending ------------------------------------------------------------------------


def test_the_author_may_not_review_their_own_letters(world, fast_pdf):
    batch = world.batch()
    with pytest.raises(ApplicationError) as caught:
        services.letter_batch_review(actor=world.viewer("author"), batch_id=batch.pk)
    assert caught.value.message == (
        "You drafted these letters yourself. A second person reviews them before they are "
        "sent (four eyes)."
    )
    batch.refresh_from_db()
    assert batch.status == "draft"


def test_letters_are_not_sent_before_review(world, fast_pdf):
    batch = world.batch()
    with pytest.raises(ApplicationError) as caught:
        services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    assert caught.value.message == "A second person must review these letters before they are sent."
    assert ContactMoment.objects.count() == 0


def test_a_batch_still_being_made_cannot_be_reviewed(world, fast_pdf):
    batch = world.batch()
    Letter.objects.filter(batch=batch, position=4).update(made_at=None)
    with pytest.raises(ApplicationError) as caught:
        services.letter_batch_review(actor=world.viewer("reviewer"), batch_id=batch.pk)
    assert caught.value.message == (
        "The letters are still being made. Review them when they are all ready."
    )


def test_review_and_send_record_a_delivery_per_resident(world, fast_pdf):
    batch = world.batch(delivery_method="hand")
    reviewed = services.letter_batch_review(actor=world.viewer("reviewer"), batch_id=batch.pk)
    assert (reviewed.status, reviewed.reviewed_by_id) == ("reviewed", world.users["reviewer"].pk)
    sent = services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    assert (sent.status, sent.sent_by_id) == ("sent", world.users["author"].pk)
    moments = list(
        ContactMoment.objects.filter(source_type=services.LETTER_SOURCE).order_by("resident_id")
    )
    assert [(m.channel, m.organisation_id) for m in moments] == [("letter", world.landlord.pk)] * 4
    assert moments[0].summary == (
        f"Brief “Wat we doen” ({batch.reference}) verstuurd: persoonlijk bezorgd."
    )
    assert set(batch.letters.values_list("delivery_method", flat=True)) == {"hand"}
    assert all(le.contact_moment_id for le in batch.letters.all())
    with pytest.raises(ApplicationError) as caught:
        services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    assert caught.value.message == "This batch has already been sent."
    assert ContactMoment.objects.count() == 4


def test_e_mail_delivery_attaches_the_pdf(world, fast_pdf, django_capture_on_commit_callbacks):
    batch = world.batch(delivery_method="email")
    services.letter_batch_review(actor=world.viewer("reviewer"), batch_id=batch.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        r.email for r in world.residents if r.email
    )
    message = next(m for m in mail.outbox if m.to == [world.residents[0].email])
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"{batch.reference}-0001.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    by_post = batch.letters.get(resident=world.residents[3])
    assert by_post.delivery_method == "post"
    assert by_post.contact_moment.channel == "letter"
    assert batch.letters.get(resident=world.residents[0]).contact_moment.channel == "email"


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("nl", "Brief van Org ws-brief: Wat we doen", "Beste Anna Bakker,"),
        ("en", "Letter from Org ws-brief: Wat we doen", "Dear Anna Bakker,"),
        ("tr", "Mektup (Org ws-brief): Wat we doen", "Sayın Anna Bakker,"),
        ("ar", "رسالة من Org ws-brief: Wat we doen", "عزيزي/عزيزتي Anna Bakker،"),
        ("pl", "List od Org ws-brief: Wat we doen", "Dzień dobry Anna Bakker,"),
        ("uk", "Лист від Org ws-brief: Wat we doen", "Шановний(-а) Anna Bakker,"),
    ],
)
def test_the_letter_e_mail_is_in_the_letter_s_language(
    world, fast_pdf, django_capture_on_commit_callbacks, language, subject, greeting
):
    batch = world.batch(delivery_method="email")
    services.letter_batch_review(actor=world.viewer("reviewer"), batch_id=batch.pk)
    batch.letters.filter(resident=world.residents[0]).update(language=language)
    with django_capture_on_commit_callbacks(execute=True):
        services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    message = next(m for m in mail.outbox if m.to == [world.residents[0].email])
    assert message.subject == subject
    assert message.body.splitlines()[0] == greeting


def test_a_resident_moved_out_before_sending_is_reported_not_sent(world, fast_pdf):
    batch = world.batch()
    services.letter_batch_review(actor=world.viewer("reviewer"), batch_id=batch.pk)
    resident = world.residents[1]
    resident.occupancies.update(end_date=timezone.localdate() - datetime.timedelta(days=1))
    # The landlord still sees its own (former) resident: the delivery is recorded.
    services.letter_batch_send(actor=world.viewer("author"), batch_id=batch.pk)
    assert ContactMoment.objects.filter(source_type=services.LETTER_SOURCE).count() == 4
