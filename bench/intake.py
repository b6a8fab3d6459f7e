"""Report intake, through Open311 and through the resident's web form, against a bare
endpoint in the same server.

Open311 intake is the GeoReport v2 POST a reporting app sends
(/open311/v2/requests.json, form-encoded, with the organisation's api_key and an
Idempotency-Key header): validation, routing, the report and its first status, the
reporter's shielded identity (half the requests leave an e-mail address, half are
anonymous), the reporter number in the building, the audit entry, the idempotency key,
and for urgent categories the e-mail task, in one transaction. Each request names a
random generated building (its public code) and a random category of the service list.

The bare endpoint (bench.bareapp) validates a form of the same shape with a DRF
serializer and inserts one row. Both run in one uvicorn (2 workers, DEBUG off, the
production middleware, Redis cache) started by the harness, in the same run, one after
the other at each concurrency level. The ratio is intake requests/s over bare requests/s.

Web intake is the resident's report form (POST /melden/<code>/melding/): the signed form
token of a form rendered ten seconds earlier (minted here with the server's key, as the
form page would), the CSRF cookie and field, half anonymous and half with an e-mail
address, and one request in WEB_PHOTO_EVERY with a photo (multipart, a 640×480 JPEG that
the server re-encodes without its metadata). The answer is the redirect to the receipt.

Each level runs SLICES slices of bare, Open311 and web in turn; the ratio is over the
merged slices, and the spread is the lowest and highest ratio of one slice to the bare
slice just before it.
"""

import itertools
import random
import secrets
import time
from urllib.parse import urlencode

from bench.loadgen import build_request, run_load
from bench.server import ConnectionWatcher, Server

INTAKE_PATH = "/open311/v2/requests.json"
BARE_PATH = "/bench/bare/reports.json"
LEVELS = (8, 32)
BURST_CLIENTS = 32  # residents of one building reporting at the same moment
SLICES = 3  # bare, Open311, web; three times at each level
WEB_PHOTO_EVERY = 5
ENDPOINTS = ("bare", "intake", "web")
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
    "X-Forwarded-Proto": "https",  # as behind the TLS proxy (SECURE_PROXY_SSL_HEADER)
}
DESCRIPTIONS = [
    "In de fietsenstalling liggen weer lachgascilinders en er hangen jongeren rond.",
    "De lift in portiek B is kapot en er is op de muur geklad.",
    "Naast de containers ligt al dagen grofvuil, het trekt ratten aan.",
    "De verlichting in de hal doet het niet, het is er 's avonds onveilig.",
]


def api_key_for(organisation_id: int) -> str:
    """An API key of a reporting app for the organisation (a service account's token)."""
    from django.contrib.auth import get_user_model

    from wijkregie.partners.models import ApiToken, Membership

    user, _created = get_user_model().objects.get_or_create(
        username=f"bench-reporting-app-{organisation_id}",
        defaults={"email": f"app-{organisation_id}@example.nl"},
    )
    Membership.objects.get_or_create(
        user=user, organisation_id=organisation_id, defaults={"is_service_account": True}
    )
    prefix, key = ApiToken.new_key()
    ApiToken.objects.create(
        organisation_id=organisation_id,
        user=user,
        name="Bench reporting app",
        prefix=prefix,
        key_hash=ApiToken.hash_key(key),
    )
    return key


def _service_codes() -> list[str]:
    from wijkregie.reports.models import Category

    return list(
        Category.objects.filter(active=True, is_contact_request=False)
        .order_by("order", "slug")
        .values_list("slug", flat=True)
    )


def request_makers(port: int, *, seed: int, api_key: str, building_codes: list[str]):
    host = f"127.0.0.1:{port}"
    services = _service_codes()
    rng = random.Random(seed)
    # Pre-drawn choices keep the client's CPU (shared with the server) low and the runs
    # reproducible; the per-request parts are the counter and a random idempotency key.
    draws = [
        (rng.choice(building_codes), rng.choice(services), rng.choice(DESCRIPTIONS))
        for _ in range(4096)
    ]
    run_id = secrets.token_hex(4)
    sequence = itertools.count()  # unique across slices: a repeated key would be a replay

    def intake(n: int) -> bytes:
        n = next(sequence)
        code, service, text = draws[n % len(draws)]
        form = {
            "api_key": api_key,
            "service_code": service,
            "attribute[building_code]": code,
            "attribute[location]": "common_area",
            "attribute[common_area]": "bicycle_shed",
            "description": text,
        }
        if n % 2:
            form.update({"first_name": "Bench", "email": f"melder-{run_id}-{n}@example.nl"})
        headers = {**HEADERS, "Idempotency-Key": f"{run_id}-{n}"}
        return build_request("POST", INTAKE_PATH, host, urlencode(form).encode(), headers)

    def bare(n: int) -> bytes:
        n = next(sequence)
        code, service, text = draws[n % len(draws)]
        form = {"service_code": service, "building_code": code, "description": text}
        if n % 2:
            form["email"] = f"melder-{run_id}-{n}@example.nl"
        return build_request("POST", BARE_PATH, host, urlencode(form).encode(), HEADERS)

    return intake, bare


def _photo() -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (640, 480), (90, 120, 150))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _multipart(fields: dict, files: dict, boundary: str) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content, content_type) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def web_request_maker(port: int, *, seed: int, building_codes: list[str]):
    """The resident's report form, as a browser sends it after rendering the page."""
    from django.conf import settings

    from wijkregie.reports.public.trap import (
        FORM_TOKEN_FIELD,
        HONEYPOT_FIELD,
        form_token_for_key,
    )

    host = f"127.0.0.1:{port}"
    services = _service_codes()
    rng = random.Random(seed)
    draws = [
        (rng.choice(building_codes), rng.choice(services), rng.choice(DESCRIPTIONS))
        for _ in range(4096)
    ]
    photo = _photo()
    csrf = secrets.token_hex(16)  # an unmasked 32-character secret, as the cookie holds
    run_id = secrets.token_hex(4)
    sequence = itertools.count()

    def web(n: int) -> bytes:
        n = next(sequence)
        code, service, text = draws[n % len(draws)]
        fields = {
            "csrfmiddlewaretoken": csrf,
            FORM_TOKEN_FIELD: form_token_for_key(
                f"bench-{run_id}-{n}", rendered_at=int(time.time()) - 10
            ),
            HONEYPOT_FIELD: "",
            "category": service,
            "location_kind": "not_applicable",
            "description": text,
            "contact_mode": "shielded" if n % 2 else "anonymous",
        }
        if n % 2:
            fields.update({"name": "Bench", "email": f"bewoner-{run_id}-{n}@example.nl"})
        path = f"/melden/{code}/melding/"
        headers = {
            "Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf}",
            "Referer": f"https://{host}{path}",
            "X-Forwarded-Proto": "https",
            "Accept": "text/html",
        }
        if n % WEB_PHOTO_EVERY == 0:
            boundary = f"bench{run_id}{n}"
            body = _multipart(fields, {"photos": ("foto.jpg", photo, "image/jpeg")}, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return build_request("POST", path, host, body, headers)

    return web


def probe(make, port) -> tuple[int, bytes]:
    """One request, to fail fast with the server's answer when something is off."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(make(999_999_999).replace(b"HTTP/1.1", b"HTTP/1.0", 1))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def intake_available() -> str | None:
    """Why intake cannot be measured yet, or None."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("open311:requests", kwargs={"fmt": "json"})
    except NoReverseMatch:
        return "no Open311 create endpoint (URL open311:requests) yet"
    try:
        from wijkregie.reports import services

        if not hasattr(services, "report_submit"):
            return "reports.services.report_submit does not exist yet"
    except ImportError as exc:
        return f"reports.services cannot be imported: {exc}"
    return None


OK_STATUSES = {"bare": {200, 201}, "intake": {200, 201}, "web": {302}}


def _compare(port, database_url, level, makers, seconds, scale, log) -> dict:
    """Bare, Open311 and web intake at one concurrency, in SLICES rounds of one slice
    each, so that a change in the machine's load during the run hits all alike."""
    runs = dict.fromkeys(ENDPOINTS)
    watch = {name: [] for name in ENDPOINTS}
    slice_rps = {name: [] for name in ENDPOINTS}
    for _slice in range(SLICES):
        for name in ENDPOINTS:
            with ConnectionWatcher(database_url) as watcher:
                load = run_load(
                    host="127.0.0.1",
                    port=port,
                    make_request=makers[name],
                    concurrency=level,
                    seconds=seconds / SLICES,
                    warmup=scale.load_warmup_seconds / SLICES,
                    ok_statuses=OK_STATUSES[name],
                )
            runs[name] = load if runs[name] is None else runs[name].merge(load)
            slice_rps[name].append(load.rps)
            watch[name].append(watcher.summary)
    row = {}
    for name in ENDPOINTS:
        w = watch[name]
        waiting: dict = {}
        for entry in w:
            for stmt, count in entry["waiting_statements"].items():
                waiting[stmt] = waiting.get(stmt, 0) + count
        row[name] = {
            **runs[name].summary(),
            "max_db_connections": max(e["max_db_connections"] for e in w),
            "lock_waiters_mean": round(sum(e["lock_waiters_mean"] for e in w) / len(w), 1),
            "lock_waiters_max": max(e["lock_waiters_max"] for e in w),
            "waiting_statements": dict(sorted(waiting.items(), key=lambda kv: -kv[1])[:3]),
        }
        r = row[name]
        log(
            f"  {name:6} c={level:<3} {r['rps']:7.1f} req/s  p50 {r['p50_ms']} ms  "
            f"p99 {r['p99_ms']} ms  failed {r['requests_failed'] + r['connection_errors']}  "
            f"db connections {r['max_db_connections']}, lock waiters {r['lock_waiters_mean']} "
            f"(max {r['lock_waiters_max']})"
        )
    bare_rps = row["bare"]["rps"]
    for name in ("intake", "web"):
        row[f"{name}_ratio"] = round(row[name]["rps"] / bare_rps, 3) if bare_rps else None
        ratios = [
            round(rps / bare, 3)
            for rps, bare in zip(slice_rps[name], slice_rps["bare"], strict=True)
            if bare
        ]
        row[f"{name}_ratio_spread"] = [min(ratios), max(ratios)] if ratios else None
    row["ratio"] = row["intake_ratio"]
    return row


def run(world, scale, database_url: str, *, deadline=None, log=print) -> dict:
    from django.db import connection

    from wijkregie.places.models import Building

    reason = intake_available()
    if reason:
        return {"status": "not measurable", "reason": reason}
    api_key = api_key_for(world.corp_ids[0])
    codes = list(
        Building.objects.exclude(pk__in=world.buildings["import"] + world.buildings["baseline"])
        .order_by("pk")
        .values_list("public_code", flat=True)
    )
    connection.close()  # the server's processes get the database to themselves
    from bench.db import APP_ROLE_CONNECTION_LIMIT, app_url

    result = {
        "status": "ok",
        "target_ratio": 0.7,
        "server_db_role_connection_limit": APP_ROLE_CONNECTION_LIMIT,
    }
    seconds = scale.load_seconds
    server = Server(app_url(database_url))
    result["server_command"] = "uvicorn " + " ".join(server.command[1:])
    with server:
        intake, bare = request_makers(
            server.port, seed=world.seed + 3, api_key=api_key, building_codes=codes
        )
        web = web_request_maker(server.port, seed=world.seed + 4, building_codes=codes)
        makers = {"bare": bare, "intake": intake, "web": web}
        for name in ENDPOINTS:
            status, body = probe(makers[name], server.port)
            if status not in OK_STATUSES[name]:
                return {
                    "status": "error",
                    "reason": f"{name} probe answered {status}: {body[:400]!r}",
                }
        levels = {}
        for level in LEVELS:
            levels[str(level)] = _compare(
                server.port, database_url, level, makers, seconds, scale, log
            )
        result["one_building_burst"] = _burst(server.port, world, api_key, codes[0], log)
    result["levels"] = levels
    result["per_request_sql"] = statements_per_intake(intake_sample_form(api_key, codes[0]))
    return result


def _burst(port: int, world, api_key: str, building_code: str, log) -> dict:
    """BURST_CLIENTS clients reporting to one building at once: every report stored.

    The target is 0 refused: a resident's report is never refused for a reason of ours
    (no "next number" per building that concurrent reports fight over)."""
    intake, _bare = request_makers(
        port, seed=world.seed + 5, api_key=api_key, building_codes=[building_code]
    )
    load = run_load(
        host="127.0.0.1",
        port=port,
        make_request=intake,
        concurrency=BURST_CLIENTS,
        seconds=5.0,
        warmup=0.0,
    )
    summary = load.summary()
    refused = summary["requests_failed"] + summary["connection_errors"]
    log(
        f"  burst  c={BURST_CLIENTS} one building: {summary['requests_ok']} stored, "
        f"{refused} refused, p99 {summary['p99_ms']} ms"
    )
    return {**summary, "clients": BURST_CLIENTS, "refused": refused, "target_refused": 0}


def intake_sample_form(api_key: str, building_code: str) -> dict:
    return {
        "api_key": api_key,
        "service_code": _service_codes()[0],
        "attribute[building_code]": building_code,
        "attribute[location]": "common_area",
        "attribute[common_area]": "bicycle_shed",
        "description": DESCRIPTIONS[0],
        "first_name": "Bench",
        "email": f"melder-sample-{secrets.token_hex(4)}@example.nl",
    }


def statements_per_intake(form: dict) -> dict:
    """One intake request in-process with its SQL captured (after a first one: the steady
    state of a running server): statements and transactions."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    warm = {**form, "email": "warm-" + form.get("email", "up@example.nl")}
    client.post(  # the first request of a process loads the kept reference data
        INTAKE_PATH, warm, secure=True, headers={"Idempotency-Key": secrets.token_hex(8)}
    )
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            INTAKE_PATH,
            form,
            secure=True,
            headers={"Idempotency-Key": secrets.token_hex(8), "Accept": "application/json"},
        )
    sql = [q["sql"] for q in ctx.captured_queries]
    return {
        "status_code": response.status_code,
        "statements": len(sql),
        "savepoints": sum(1 for s in sql if s.startswith("SAVEPOINT")),
        "selects": sum(1 for s in sql if s.startswith("SELECT")),
        "inserts": sum(1 for s in sql if s.startswith("INSERT")),
        "updates": sum(1 for s in sql if s.startswith("UPDATE")),
        "statements_list": [s[:140] for s in sql],
    }
