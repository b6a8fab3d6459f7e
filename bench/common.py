"""What every benchmark shares: scales, the environment of the bench database, statistics.

Nothing here imports Django at module level: `configure_environment()` must run before
`django.setup()`, because the settings read the environment once.
"""

import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
PYTHON = sys.executable

DEFAULT_DB_NAME = "wijkregie_bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class Scale:
    name: str
    organisations: int  # housing corporations
    partner_organisations: int  # municipality, police, enforcement, … (building contacts)
    neighbourhoods: int
    buildings: int
    units: int
    residents: int
    import_rows: int  # rows of the unit-import CSV
    import_repeats: int
    page_buildings: int  # distinct buildings per size class for the building page
    page_rounds: int  # requests per building
    load_seconds: float  # per concurrency level
    load_warmup_seconds: float
    reports: int  # rows in the intake queue benchmark
    queue_rounds: int
    # Time budgets (seconds) for the repeated requests: a busy machine gets fewer rounds
    # (never fewer than MIN_ROUNDS) instead of a run that does not end.
    page_budget: float = 90.0
    queue_budget: float = 60.0  # per receiver and surface
    # Shared cases (bench.cases): rows over the generated buildings and organisations.
    cases: int = 2_000
    case_actions: int = 20_000
    case_meetings: int = 4_000
    case_events: int = 80_000
    cases_per_worker: int = 40  # cases a professional takes part in, on average
    case_pages: int = 10  # cases per size class (plain and big) on the case page
    case_rounds: int = 5
    case_budget: float = 30.0  # per page

    def as_dict(self) -> dict:
        return asdict(self)


SCALES = {
    "national": Scale(
        name="national",
        organisations=20,
        partner_organisations=8,
        neighbourhoods=300,
        buildings=5_000,
        units=250_000,
        residents=400_000,
        import_rows=20_000,
        import_repeats=3,
        page_buildings=50,
        page_rounds=10,
        load_seconds=10.0,
        load_warmup_seconds=2.0,
        reports=1_000_000,
        queue_rounds=20,
        page_budget=90.0,
        queue_budget=30.0,
        cases=50_000,
        case_actions=500_000,
        case_meetings=100_000,
        case_events=2_000_000,
        case_pages=20,
        case_rounds=10,
        case_budget=60.0,
    ),
    "small": Scale(
        name="small",
        organisations=5,
        partner_organisations=4,
        neighbourhoods=30,
        buildings=300,
        units=15_000,
        residents=24_000,
        import_rows=2_000,
        import_repeats=3,
        page_buildings=10,
        page_rounds=3,
        load_seconds=6.0,
        load_warmup_seconds=2.0,
        reports=50_000,
        queue_rounds=5,
        page_budget=20.0,
        queue_budget=10.0,
    ),
}


MIN_ROUNDS = 3


def scale_from_env(default: str = "national") -> Scale:
    name = os.environ.get("BENCH_SCALE", default).strip().lower() or default
    if name not in SCALES:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(SCALES)}, not {name!r}")
    return SCALES[name]


def bench_database_url() -> str:
    """The bench database. BENCH_DATABASE_URL overrides; never the product's DATABASE_URL."""
    return os.environ.get("BENCH_DATABASE_URL") or f"{DEFAULT_PG}/{DEFAULT_DB_NAME}"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of every process that touches the bench database (harness, migrate,
    the uvicorn workers): production-like settings plus the bare reference endpoint."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": env.get("BENCH_SECRET_KEY") or _secret_key(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "WIJKREGIE_DEMO_MODE": "false",
            "WIJKREGIE_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    if redis_url and redis_reachable(redis_url):
        env["REDIS_URL"] = redis_url
        # Our own key space: nothing of a developer's or another run's rate limits.
        env["WIJKREGIE_CACHE_PREFIX"] = f"wijkregie-bench-{os.getpid()}"
    else:
        env.pop("REDIS_URL", None)
    env.update(extra)
    return env


_SECRET = None


def _secret_key() -> str:
    global _SECRET
    if _SECRET is None:
        _SECRET = "bench-" + secrets.token_urlsafe(48)
    return _SECRET


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def configure_environment(database_url: str, **extra: str) -> dict[str, str]:
    """Set this process's environment like the server's, before Django is set up."""
    env = server_env(database_url, **extra)
    # The in-process test client calls itself "testserver".
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ.clear()
    os.environ.update(env)
    for p in (str(ROOT), str(ROOT / "src")):
        if p not in sys.path:
            sys.path.insert(0, p)
    return env


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        return False


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def machine_info() -> dict:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = shutil.which("git")
    commit = _run([git, "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) if git else ""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "git_commit": commit,
    }
