"""`make bench`: set up the bench database, generate national-scale data, measure.

    .venv/bin/python -m bench.run                  # everything, BENCH_SCALE=national
    BENCH_SCALE=small .venv/bin/python -m bench.run  # the same in about two minutes
    .venv/bin/python -m bench.run --only page,queue --reuse   # on the last generated data

Steps, in order: drop and create the bench database (BENCH_DATABASE_URL, default
wijkregie_bench on the local PostgreSQL) and migrate it with bench.settings; collect the
static files (DEBUG is off); generate places, partners and residents (bench.generate);
measure the unit import (bench.unit_import) and the building page (bench.building_page);
generate the reports; measure the intake queue (bench.queue), the report page
(bench.report_page) and report intake under load against the bare endpoint
(bench.intake); the professional's audited reads against the same reads without the audit
write (bench.reads); generate shared cases and measure the case page, My work and the
cases by health (bench.cases); a letter batch made by the worker against WeasyPrint straight
(bench.letters); the chat's live fan-out over two web processes (bench.chat_fanout:
BENCH_CHAT_CLIENTS members over BENCH_CHAT_CHANNELS channels). Each step's result or the
reason it could not be measured goes to bench/results/latest.json (written after every step) and the
table printed at the end; bench/results/latest.md holds the same as Markdown for
docs/performance.md.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime

from bench.common import (
    DEFAULT_SEED,
    PYTHON,
    RESULTS_DIR,
    ROOT,
    bench_database_url,
    configure_environment,
    machine_info,
    scale_from_env,
    server_env,
)

STEPS = ("import", "page", "queue", "report", "intake", "reads", "cases", "letters", "chat")
WORLD_FILE = RESULTS_DIR / "world.json"
CASES_FILE = RESULTS_DIR / "cases.json"


def log(message: str) -> None:
    print(message, flush=True)


def collectstatic(database_url: str) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{result.stderr[-2000:]}")


def save(results: dict) -> None:
    """latest.json, and latest-<scale>.json so that a small run keeps the national one."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, default=str) + "\n"
    (RESULTS_DIR / "latest.json").write_text(text)
    scale = results.get("meta", {}).get("scale", {}).get("name")
    if scale:
        (RESULTS_DIR / f"latest-{scale}.json").write_text(text)


def step(results: dict, name: str, func, *args, **kwargs):
    log(f"== {name}")
    started = time.perf_counter()
    try:
        value = func(*args, **kwargs)
    except Exception as exc:
        value = {
            "status": "error",
            "reason": f"{type(exc).__name__}: {exc}"[:2000],
            "traceback": traceback.format_exc()[-4000:],
        }
        log(f"   failed: {value['reason'][:500]}")
    if isinstance(value, dict):
        value.setdefault("seconds", round(time.perf_counter() - started, 1))
        results[name] = value
    save(results)
    return value


def _world_save(world) -> None:
    data = {k: v for k, v in vars(world).items()}
    data["staff"] = {str(k): v for k, v in world.staff.items()}
    WORLD_FILE.write_text(json.dumps(data, default=str))


def _world_load(scale, seed):
    from bench.generate import World

    data = json.loads(WORLD_FILE.read_text())
    if data["scale"] != scale.name or data["seed"] != seed:
        raise SystemExit(f"--reuse: {WORLD_FILE} holds {data['scale']}/{data['seed']}")
    data["staff"] = {int(k): v for k, v in data["staff"].items()}
    return World(**data)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Wijkregie benchmarks (make bench)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_SEED", DEFAULT_SEED)))
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(STEPS)}")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the bench database of the last run"
    )
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()} or set(STEPS)
    if only - set(STEPS):
        parser.error(f"--only takes {', '.join(STEPS)}")
    scale = scale_from_env("national")
    url = bench_database_url()
    configure_environment(url)
    started = time.perf_counter()
    # Optional extras (the second intake pass) are left out once this is past.
    budget = float(os.environ.get("BENCH_BUDGET_SECONDS", 780 if scale.name == "national" else 240))
    deadline = time.monotonic() + budget

    from bench import db

    results: dict = {
        "meta": {
            "command": "make bench"
            + (f" (BENCH_SCALE={scale.name})" if scale.name != "national" else ""),
            "argv": sys.argv[1:],
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scale": scale.as_dict(),
            "seed": args.seed,
            "machine": machine_info(),
            "load_average_start": os.getloadavg(),
            "cache": "redis" if os.environ.get("REDIS_URL") else "locmem",
            "database": url.rsplit("@", 1)[-1],
        }
    }
    save(results)
    if not args.reuse:
        log(f"== database {url.rsplit('@', 1)[-1]}: drop, create, migrate")
        db.recreate_database(url)
        db.migrate(url)
    else:
        log(f"== database {url.rsplit('@', 1)[-1]}: migrations added since the last run")
        db.migrate(url)
    results["meta"]["postgresql"] = db.server_version(url)
    results["meta"]["postgresql_settings"] = db.server_settings(url)
    log("== collectstatic (DEBUG is off: the manifest storage needs it)")
    collectstatic(url)

    import django

    django.setup()
    from bench import building_page, generate, intake, queue, reads, report_page, unit_import

    if args.reuse:
        world = _world_load(scale, args.seed)
    else:
        log(f"== generate ({scale.name}, seed {args.seed})")
        world = generate.generate(args.seed, scale, log=lambda m: log("   " + m))
        _world_save(world)
    results["generate"] = world.as_dict()
    save(results)

    import_building = None
    if "import" in only:
        r = step(results, "unit_import", unit_import.run, world, scale, log=log)
        import_building = r.get("import_building_id")
    elif args.reuse:
        import_building = world.buildings["import"][0]
    if "page" in only:
        step(
            results,
            "building_page",
            building_page.run,
            world,
            scale,
            import_building_id=import_building,
            log=log,
        )

    if {"queue", "report", "intake"} & only:
        reports_ready = _reports_models_ready()
        if reports_ready is not None:
            for name in ("queue", "report_page", "intake"):
                results[name] = {"status": "not measurable", "reason": reports_ready}
        else:
            if not args.reuse or not _reports_present():
                step(
                    results,
                    "generate_reports",
                    generate.generate_reports,
                    world,
                    scale,
                    log=lambda m: log("   " + m),
                )
            if "queue" in only:
                step(results, "queue", queue.run, world, scale, log=log)
            if "report" in only:
                step(results, "report_page", report_page.run, world, scale, log=log)
            if "intake" in only:
                step(
                    results,
                    "intake",
                    intake.run,
                    world,
                    scale,
                    url,
                    deadline=deadline,
                    log=log,
                )

    if "reads" in only:
        step(results, "audited_reads", reads.run, world, scale, url, log=log)
    if "letters" in only:
        from bench import letters

        step(results, "letters", letters.run, log=log)

    if "chat" in only:
        from bench import chat_fanout

        step(
            results,
            "chat_fanout",
            chat_fanout.run,
            int(os.environ.get("BENCH_CHAT_CLIENTS", "1000")),
            int(os.environ.get("BENCH_CHAT_CHANNELS", "50")),
            int(os.environ.get("BENCH_CHAT_SECONDS", "30")),
        )

    if "cases" in only:
        from bench import cases

        generated = None
        if args.reuse and CASES_FILE.exists() and _cases_present():
            generated = json.loads(CASES_FILE.read_text())
        else:
            generated = step(
                results,
                "generate_cases",
                cases.generate_cases,
                world,
                scale,
                log=lambda m: log("   " + m),
            )
            if generated.get("status") == "ok":
                CASES_FILE.write_text(json.dumps(generated))
        if generated.get("status") == "ok":
            results["generate_cases"] = generated
            step(results, "cases", cases.run, world, scale, generated, log=log)
        else:
            results["cases"] = {"status": "not measurable", "reason": "case generation failed"}

    results["meta"]["load_average_end"] = os.getloadavg()
    results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    save(results)
    from bench.report import markdown, table

    log("")
    log(table(results))
    (RESULTS_DIR / "latest.md").write_text(markdown(results))
    (RESULTS_DIR / f"latest-{scale.name}.md").write_text(markdown(results))
    log(f"\nResults: {RESULTS_DIR / 'latest.json'} (Markdown: {RESULTS_DIR / 'latest.md'})")
    failed = [k for k, v in results.items() if isinstance(v, dict) and v.get("status") == "error"]
    return 1 if failed else 0


def _reports_models_ready() -> str | None:
    try:
        from wijkregie.reports import models

        for name in ("Report", "ReporterIdentity", "ReportStatusChange", "Category"):
            getattr(models, name)
    except (ImportError, AttributeError) as exc:
        return f"the reports models are not there yet ({exc})"
    return None


def _cases_present() -> bool:
    from wijkregie.cases.models import Case

    return Case.objects.exists()


def _reports_present() -> bool:
    from wijkregie.reports.models import Report

    return Report.objects.exists()


if __name__ == "__main__":
    sys.exit(main())
