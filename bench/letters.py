"""The letter batch: letters made by the worker, against WeasyPrint straight, same run.

    BENCH_DATABASE_URL=postgres://…/wr_scratch .venv/bin/python -m bench.letters [N …]

Migrates the database named (a scratch database: it adds an organisation, a building of
N units, N residents and two people), then for each N (default 1000, and 200 to show
that memory does not grow with the batch), in a fresh worker process each:
- the worker: `letter_batch_create` (recipients under need-to-know, N letters) and the
  make job run as the `db_worker` runs it (`jobs.job_run`): every letter rendered from
  its template, stored and the progress committed one by one (timed from the job's
  start to the last letter stored), then the print bundle (timed on its own);
- the time from the batch's creation until the first letter is stored (what the
  progress bar shows first);
- the worker's peak memory (ru_maxrss) when every letter is made, and after the bundle;
- the baseline, in the same worker process, half just before the make job and half just
  after it (a load that drifts weighs on both): the first letter's HTML (the same
  template, house-style CSS and fonts) rendered straight with WeasyPrint N times, with one
  font configuration and style sheet, as WeasyPrint documents it (and as the worker
  renders); its own memory growth.
Letters/s of the worker as a ratio to the baseline's PDFs/s (target ≥ 0.8), by the wall
clock and by this process's CPU time (steadier on a shared machine; PostgreSQL's work is
not in it), and the load average at the start and the end.
"""

import json
import os
import resource
import subprocess
import sys
import time

from bench.common import PYTHON, ROOT, bench_database_url, configure_environment


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    """The resident set now (Linux), not the peak."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _world(n: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from wijkregie.partners.models import Membership, Organisation, Role
    from wijkregie.places.models import Building, Unit
    from wijkregie.residents.models import Occupancy, Resident

    stamp = time.time_ns()
    slug = f"bench-letters-{n}-{stamp}"
    # Addresses are unique nationally: each run its own postcode.
    postcode = f"{1000 + stamp // 1000 % 9000}{chr(65 + stamp % 26)}{chr(65 + stamp // 26 % 26)}"
    org = Organisation.objects.create(name=f"Bench {slug}", slug=slug[:50])
    building = Building.objects.create(
        name=f"Flat {slug}",
        owner=org,
        street="Benchlaan",
        postcode=postcode,
        city="Rivierstad",
        floors=20,
        entrances=["A"],
    )
    units = Unit.objects.bulk_create(
        Unit(building=building, postcode=postcode, house_number=i + 1, floor=i // 50, entrance="A")
        for i in range(n)
    )
    residents = Resident.objects.bulk_create(
        Resident(
            landlord=org,
            external_id=f"B{i}",
            given_name=f"Bewoner{i}",
            family_name=f"Achternaam{i}",
            preferred_language="nl",
        )
        for i in range(n)
    )
    Occupancy.objects.bulk_create(
        Occupancy(resident=r, unit=u, kind="main_tenant", start_date="2020-01-01")
        for r, u in zip(residents, units, strict=True)
    )
    role = Role.objects.create(name=f"Brieven {slug}", slug=f"r-{slug}"[:50])
    codes = ["view_building", "view_resident", "view_resident_contact", "send_letters"]
    role.permissions.set(Permission.objects.filter(codename__in=codes))
    user = get_user_model().objects.create_user(username=f"u-{slug}"[:150])
    Membership.objects.create(user=user, organisation=org).roles.add(role)
    return org, building, user


def worker(n: int) -> dict:
    """One worker process: make a batch of n letters, then the baseline."""
    import django

    django.setup()
    from django.template.loader import render_to_string
    from django.utils import translation

    from wijkregie.communications.models import Letter
    from wijkregie.communications.selectors.letters import letter_template_version_for
    from wijkregie.communications.services import letters as services
    from wijkregie.core import jobs, pdf
    from wijkregie.partners.selectors import viewer_for

    org, building, user = _world(n)
    actor = viewer_for(user)
    template = services.letter_template_create(
        actor=actor,
        organisation_id=org.pk,
        name="Bench",
        versions={
            "nl": {
                "subject": "Wat we doen in {{ building }}",
                "body": (
                    "Beste {{ resident_name }},\n\n"
                    + "Een alinea over het werk in de flat. " * 12
                    + "\n\n{{ report_qr }}\n\nUw code: {{ letter_code }}."
                ),
                "signature": "Met vriendelijke groet,\n{{ sender }}",
            }
        },
    )
    pdf.render_pdf("pdf/base.html", {}, title="warm-up", language="nl")  # fonts, imports
    made_rss = {"load": round(os.getloadavg()[0], 1)}
    real_bundle = services._bundle

    def bundle(batch):
        made_rss["mb"] = _maxrss_mb()
        made_rss["cpu"] = time.process_time()
        data = real_bundle(batch)
        made_rss["after_bundle"] = _maxrss_mb()
        return data

    services._bundle = bundle
    started = time.perf_counter()
    from django.test.utils import override_settings

    # The batch is enqueued (a row), not run: the worker below runs it as db_worker does.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        batch = services.letter_batch_create(
            actor=actor,
            organisation_id=org.pk,
            template_id=template.pk,
            title="Bench",
            target="building",
            building_id=building.pk,
        )
    created = time.perf_counter()
    letters = Letter.objects.filter(batch=batch)

    # The baseline: the first letter's HTML straight through WeasyPrint, n times, half just
    # before the worker and half just after, so that a load that drifts weighs on both.
    first = letters.select_related("resident", "unit__building").order_by("position").first()
    version = letter_template_version_for(template, "nl")
    context = services.letter_context(
        batch_or_none=batch,
        organisation=org,
        resident=first.resident,
        unit=first.unit,
        letter=first,
        language="nl",
        day=batch.letter_date,
        reference=first.reference,
        code=first.code,
    )
    html_context = services.letter_html_context(version=version, context=context)
    with translation.override("nl"):
        html = render_to_string(
            services.LETTER_TEMPLATE,
            {
                **html_context,
                "pdf_title": html_context["subject"],
                "pdf_language": "nl",
                "pdf_language_bidi": False,
                "pdf_author": org.name,
                "pdf_subject": html_context["subject"],
            },
        )
    # WeasyPrint's documented way to render many documents in one style: one font
    # configuration and one parsed style sheet for all of them (as the worker does).
    CSS, HTML, FontConfiguration = pdf._weasyprint()
    fonts = FontConfiguration()
    style = CSS(string=pdf.house_style_css(), font_config=fonts, url_fetcher=pdf._fetcher())
    base = {"seconds": 0.0, "cpu": 0.0, "rss": 0.0}

    def baseline(count: int) -> None:
        rss, wall, cpu = _rss_mb(), time.perf_counter(), time.process_time()
        for _ in range(count):
            HTML(
                string=html, base_url=pdf.vendor_dir().as_uri() + "/", url_fetcher=pdf._fetcher()
            ).write_pdf(stylesheets=[style], font_config=fonts, pdf_variant=pdf.PDF_VARIANT)
        base["seconds"] += time.perf_counter() - wall
        base["cpu"] += time.process_time() - cpu
        base["rss"] += _rss_mb() - rss

    baseline(n // 2)
    job_cpu = time.process_time()
    jobs.job_run(job_id=batch.make_job_id)
    finished = time.perf_counter()
    make_cpu = made_rss["cpu"] - job_cpu
    baseline(n - n // 2)
    assert letters.filter(made_at__isnull=True).count() == 0
    job_started = batch.make_job.__class__.objects.get(pk=batch.make_job_id).started_at
    first_made = letters.order_by("made_at").values_list("made_at", flat=True).first()
    last_made = letters.order_by("-made_at").values_list("made_at", flat=True).first()
    batch.refresh_from_db()
    make_seconds = (last_made - job_started).total_seconds()
    bundle_seconds = (batch.bundle_made_at - last_made).total_seconds()
    worker_rate = n / make_seconds
    base_rate = n / base["seconds"]
    return {
        "letters": n,
        "create_seconds": round(created - started, 2),
        "worker_seconds": round(make_seconds, 1),  # every letter made and stored
        "bundle_seconds": round(bundle_seconds, 1),
        "worker_letters_per_s": round(worker_rate, 2),
        "weasyprint_pdfs_per_s": round(base_rate, 2),
        "ratio": round(worker_rate / base_rate, 2),
        # CPU seconds of this process (PostgreSQL's own work not counted): steadier than
        # the wall clock when others load the machine.
        "worker_cpu_ms_per_letter": round(make_cpu / n * 1000, 1),
        "weasyprint_cpu_ms_per_pdf": round(base["cpu"] / n * 1000, 1),
        "cpu_ratio": round(base["cpu"] / make_cpu, 2),
        "first_letter_after_s": round(
            (created - started) + (first_made - job_started).total_seconds(), 2
        ),
        "peak_rss_mb_letters_made": round(made_rss["mb"], 1),
        "peak_rss_mb_after_bundle": round(made_rss["after_bundle"], 1),
        "baseline_rss_growth_mb": round(base["rss"], 1),
        "load_average_1m": [made_rss["load"], round(os.getloadavg()[0], 1)],
        "bundle_mb": round(len(bytes(batch.bundle)) / 1e6, 1),
        "run_seconds": round(finished - created, 1),  # the baseline's first half included
    }


def run(sizes=(1000, 200), log=print) -> dict:
    url = bench_database_url()
    env = configure_environment(url)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    results = []
    for n in sizes:
        log(f"   letters: a batch of {n} in a fresh worker")
        out = subprocess.run(
            [PYTHON, "-m", "bench.letters", "--worker", str(n)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        log("   " + json.dumps(results[-1]))
    return {"status": "ok", "batches": results, "target_ratio": 0.8}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        configure_environment(os.environ.get("DATABASE_URL") or bench_database_url())
        print(json.dumps(worker(int(sys.argv[2]))))
    else:
        sizes = tuple(int(a) for a in sys.argv[1:]) or (1000, 200)
        print(json.dumps(run(sizes), indent=2))
