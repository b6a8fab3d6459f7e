"""Shared cases at national scale: generation by COPY, and the case page, My work and the
cases by health measured in-process.

Generation (`generate_cases`), on top of the generated world: case workers (users with a
membership and the organisation's role, `cases_per_worker` cases each on average) in every
organisation; `cases` cases on the generated buildings, each with a coordinator of the
building's owner, two to four professionals of partner organisations and one
organisation-level participant (with their `core.ObjectGrant`s, as the participant
services write them), two task agreements; `case_actions` actions, `case_meetings`
meetings and `case_events` timeline events spread over the cases at random. The first
`case_pages` cases are big: ten times the average of every kind of row, and the persona
takes part in each of them.

Measurement (`run`): the persona is the busiest case worker of the busiest organisation
(a housing corporation). The case page (cases:detail) for `case_pages` plain and the big
cases of the persona, My work (cases:my_work), the cases by health (cases:by_health) and
the case list (cases:list),
each requested `case_rounds` times after a warm-up round (fewer, at least three, when
`case_budget` seconds per page are used up). The query count is captured per request;
on the case page it must be the same for a plain and a big case.
"""

import cProfile
import io
import json
import pstats
import random
import time
from datetime import UTC, datetime, timedelta

from bench.common import MIN_ROUNDS, percentile

EPOCH = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
BIG_FACTOR = 10
PARTICIPANTS_PER_CASE = 5  # coordinator, 2–4 professionals, one organisation
AGREEMENTS_PER_CASE = 2


def _ts(dt: datetime) -> str:
    return dt.isoformat()


def generate_cases(world, scale, *, log=print) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from bench.copyrows import (
        copy_rows,
        end_fast_load,
        fast_load,
        indexes_deferred,
        reset_sequence,
    )
    from bench.generate import copy_people
    from wijkregie.cases import models as cm
    from wijkregie.core.models import ObjectGrant
    from wijkregie.partners.models import Membership, Role
    from wijkregie.places.models import Building

    User = get_user_model()
    rng = random.Random(world.seed + 15)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    roles = dict(Role.objects.values_list("slug", "id"))
    ct_case = ContentType.objects.get_for_model(cm.Case).pk
    n_cases = scale.cases
    big_n = min(scale.case_pages, n_cases // 10)
    skip = set(world.buildings.get("import", []) + world.buildings.get("baseline", []))
    buildings = [
        b for b in Building.objects.order_by("id").values_list("id", "owner_id") if b[0] not in skip
    ]
    orgs = world.corp_ids + world.partner_ids
    ts = EPOCH - timedelta(days=900)
    fast_load()
    with transaction.atomic():
        # --- case workers -----------------------------------------------------------
        persons_per_case = 4  # coordinator + three on average
        workers_total = max(len(orgs) * 2, n_cases * persons_per_case // scale.cases_per_worker)
        # Corporations supply the coordinators (one per case), partners the rest.
        corp_share = 1 / persons_per_case
        per_corp = max(2, int(workers_total * corp_share / len(world.corp_ids)))
        per_partner = max(2, int(workers_total * (1 - corp_share) / len(world.partner_ids)))
        with connection.cursor() as cur:
            cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{User._meta.db_table}"')
            uid = cur.fetchone()[0]
            cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{Membership._meta.db_table}"')
            mid = cur.fetchone()[0]
        users, memberships, mroles = [], [], []
        pool: dict[int, list[int]] = {}
        for oid in orgs:
            role_slug = next(r for _u, _m, r in world.staff[oid] if r != "intake")
            pool[oid] = []
            for k in range(per_corp if oid in world.corp_ids else per_partner):
                uid += 1
                mid += 1
                name = f"case-{oid}-{k + 1}"
                users.append((uid, name, "Casus", f"Werker {oid}-{k + 1}", f"{name}@example.nl"))
                memberships.append(
                    (mid, uid, oid, "Casusregisseur", rng.choice(["operational", "tactical"]))
                )
                mroles.append((mid, roles[role_slug]))
                pool[oid].append(uid)
        copy_people(users, memberships, mroles, ts)
        reset_sequence(User)
        reset_sequence(Membership)
        counts["case_workers"] = len(users)

        # The persona: the first case worker of the corporation owning most buildings.
        owned: dict[int, int] = {}
        for _b, owner in buildings:
            owned[owner] = owned.get(owner, 0) + 1
        busy_org = max(world.corp_ids, key=lambda o: owned.get(o, 0))
        persona = pool[busy_org][0]

        # --- cases, participants, grants -------------------------------------------
        kinds = [k for k in cm.CaseKind.values]
        case_rows, part_rows, grant_rows = [], [], []
        members: list[list[tuple[int, int | None]]] = [[]]  # per case: (org, user)
        opened: list[datetime] = [ts]
        pid = 0
        for cid in range(1, n_cases + 1):
            b_id, owner = buildings[int(rng.random() * len(buildings))]
            if cid <= big_n:
                b_id, owner = next(b for b in buildings if b[1] == busy_org)
            created = ts + timedelta(seconds=int(rng.random() * 800 * 86400))
            opened.append(created)
            status = "closed" if rng.random() < 0.3 else "open"
            case_rows.append(
                (
                    cid,
                    b_id,
                    f"Aanpak {cid}: overlast en achterstallig onderhoud",
                    "Samen de woonsituatie verbeteren. " * 3,
                    kinds[cid % len(kinds)],
                    status,
                    1 + cid % 3,
                    owner,
                    _ts(created),
                    "Eigenaar van het gebouw",
                    owner,
                    _ts(created),
                    _ts(created),
                )
            )
            people: list[tuple[int, int | None, str]] = []
            coordinator = rng.choice(pool[owner])
            people.append((owner, coordinator, "coordinator"))
            extra = 2 + int(rng.random() * 3)
            if cid <= big_n:
                extra = PARTICIPANTS_PER_CASE * BIG_FACTOR
            used = {coordinator}
            if cid <= big_n and persona != coordinator:
                people.append((busy_org, persona, "handler"))
                used.add(persona)
            for _i in range(extra):
                oid = rng.choice(world.partner_ids)
                u = rng.choice(pool[oid])
                if u in used or u == persona:
                    continue
                used.add(u)
                people.append((oid, u, rng.choice(["handler", "adviser", "involved"])))
            taken = {o for o, _u, _r in people}
            free = [o for o in world.partner_ids if o not in taken]
            if free:
                people.append((rng.choice(free), None, "involved"))
            members.append([(o, u) for o, u, _r in people])
            for oid, u, role in people:
                pid += 1
                grant = None
                if u is not None:
                    grant = pid
                    grant_rows.append(
                        (
                            pid,
                            ct_case,
                            cid,
                            u,
                            oid,
                            f"cases.{role}",
                            _ts(created),
                            _ts(created),
                            _ts(created),
                        )
                    )
                part_rows.append((pid, cid, oid, u, role, grant, _ts(created), _ts(created)))
        with indexes_deferred(cm.Case, cm.CaseParticipant, ObjectGrant):
            counts["cases"] = copy_rows(
                cm.Case,
                [
                    "id",
                    "building_id",
                    "title",
                    "goal",
                    "kind",
                    "status",
                    "phase",
                    "regie_organisation_id",
                    "regie_since",
                    "regie_reason",
                    "opened_by_organisation_id",
                    "created_at",
                    "updated_at",
                ],
                case_rows,
            )
            with connection.cursor() as cur:
                cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{ObjectGrant._meta.db_table}"')
                g0 = cur.fetchone()[0]
            grant_rows = [(g0 + r[0], *r[1:]) for r in grant_rows]
            counts["grants"] = copy_rows(
                ObjectGrant,
                [
                    "id",
                    "content_type_id",
                    "object_id",
                    "user_id",
                    "organisation_id",
                    "role",
                    "valid_from",
                    "created_at",
                    "updated_at",
                ],
                grant_rows,
            )
            part_rows = [
                (r[0], r[1], r[2], r[3], r[4], None if r[5] is None else g0 + r[5], r[6], r[7])
                for r in part_rows
            ]
            counts["participants"] = copy_rows(
                cm.CaseParticipant,
                [
                    "id",
                    "case_id",
                    "organisation_id",
                    "user_id",
                    "role",
                    "grant_id",
                    "created_at",
                    "updated_at",
                ],
                part_rows,
            )
        del case_rows, part_rows, grant_rows

        def case_for(total: int):
            """Case ids for `total` rows: the big cases take ten times the average each."""
            avg = total / n_cases
            big_each = int(avg * BIG_FACTOR)
            for cid in range(1, big_n + 1):
                for _i in range(big_each):
                    yield cid
            rand = rng.random
            span = n_cases - big_n
            for _i in range(total - big_each * big_n):
                yield big_n + 1 + int(rand() * span)

        # --- task agreements -------------------------------------------------------
        def agreement_rows():
            n = 0
            for cid in range(1, n_cases + 1):
                k = AGREEMENTS_PER_CASE * (BIG_FACTOR if cid <= big_n else 1)
                orgs_here = [o for o, _u in members[cid]]
                for i in range(k):
                    n += 1
                    oid = orgs_here[i % len(orgs_here)]
                    topic = f"Taak {i + 1}"
                    status = ("expected", "accepted", "declined")[n % 3]
                    at = _ts(opened[cid])
                    yield (
                        cid,
                        topic,
                        topic.lower(),
                        "Wat er precies van u verwacht wordt.",
                        oid,
                        oid,
                        status,
                        at if status != "expected" else None,
                        at,
                        at,
                    )

        # --- actions, meetings, events ---------------------------------------------
        def action_rows():
            today = EPOCH.date()
            for cid in case_for(scale.case_actions):
                oid, u = rng.choice(members[cid])
                if rng.random() < 0.3:
                    u = None
                status = ("open", "in_progress", "done", "done", "cancelled")[int(rng.random() * 5)]
                due = today + timedelta(days=int(rng.random() * 120) - 60)
                at = _ts(opened[cid])
                yield (
                    cid,
                    "Afspraak: contact opnemen met de bewoners en terugkoppelen.",
                    oid,
                    u,
                    due.isoformat(),
                    status,
                    oid,
                    at if status == "done" else None,
                    at,
                    at,
                )

        def meeting_rows():
            for cid in case_for(scale.case_meetings):
                starts = opened[cid] + timedelta(days=int(rng.random() * 400))
                at = _ts(opened[cid])
                yield (cid, "Casusoverleg", _ts(starts), "Buurthuis", "", at, at)

        types = [
            "action_created",
            "action_changed",
            "action_done",
            "meeting_scheduled",
            "agreement_recorded",
            "participant_added",
            "phase_item_ticked",
        ]
        params = {
            "action_created": json.dumps({"action_id": 1, "description": "Contact opnemen"}),
            "action_changed": json.dumps({"action_id": 1, "fields": ["due_date"]}),
            "action_done": json.dumps({"action_id": 1}),
            "meeting_scheduled": json.dumps({"meeting_id": 1, "title": "Casusoverleg"}),
            "agreement_recorded": json.dumps(
                {"topic": "Taak 1", "organisation": "Politie", "status": "expected"}
            ),
            "participant_added": json.dumps(
                {"organisation": "Politie", "person": "Casus Werker", "role": "handler"}
            ),
            "phase_item_ticked": json.dumps({"item": "participants"}),
        }

        def event_rows():
            rand = rng.random
            for cid in case_for(scale.case_events):
                oid, u = members[cid][int(rand() * len(members[cid]))]
                t = types[int(rand() * len(types))]
                at = opened[cid] + timedelta(seconds=int(rand() * 400 * 86400))
                yield (
                    f"{cid}\t{t}\t{params[t]}\t{u if u is not None else chr(92) + 'N'}"
                    f"\tCasus Werker\t{at.isoformat()}\t{oid}"
                )

        with indexes_deferred(cm.TaskAgreement, cm.CaseAction, cm.Meeting, cm.CaseEvent):
            counts["agreements"] = copy_rows(
                cm.TaskAgreement,
                [
                    "case_id",
                    "topic",
                    "topic_key",
                    "description",
                    "organisation_id",
                    "expected_by_id",
                    "status",
                    "answered_at",
                    "created_at",
                    "updated_at",
                ],
                agreement_rows(),
            )
            counts["actions"] = copy_rows(
                cm.CaseAction,
                [
                    "case_id",
                    "description",
                    "owner_organisation_id",
                    "owner_id",
                    "due_date",
                    "status",
                    "created_by_organisation_id",
                    "done_at",
                    "created_at",
                    "updated_at",
                ],
                action_rows(),
            )
            counts["meetings"] = copy_rows(
                cm.Meeting,
                [
                    "case_id",
                    "title",
                    "starts_at",
                    "location",
                    "minutes",
                    "created_at",
                    "updated_at",
                ],
                meeting_rows(),
            )
            counts["events"] = copy_rows(
                cm.CaseEvent,
                [
                    "case_id",
                    "type",
                    "parameters",
                    "actor_id",
                    "actor_label",
                    "created_at",
                    "organisation_id",
                ],
                event_rows(),
            )
        for model in (cm.Case, cm.CaseParticipant, ObjectGrant):
            reset_sequence(model)
    end_fast_load()
    with connection.cursor() as cur:
        for model in (
            cm.Case,
            cm.CaseParticipant,
            ObjectGrant,
            cm.TaskAgreement,
            cm.CaseAction,
            cm.Meeting,
            cm.CaseEvent,
            User,
            Membership,
        ):
            cur.execute(f'ANALYZE "{model._meta.db_table}"')
    seconds = round(time.perf_counter() - started, 1)
    log(f"cases: {counts} in {seconds} s")
    return {
        "status": "ok",
        "counts": counts,
        "big_cases": big_n,
        "persona_user_id": persona,
        "organisation_id": busy_org,
        "seconds": seconds,
    }


def _get(client, url):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _profile_top(client, url, limit=15) -> list[dict]:
    profiler = cProfile.Profile()
    profiler.enable()
    _get(client, url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, func), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        rows.append((cumtime, tottime, f"{filename.split('site-packages/')[-1]}:{line}({func})"))
    rows.sort(reverse=True)
    return [
        {"cumtime_ms": round(c * 1000, 1), "tottime_ms": round(t * 1000, 1), "where": w}
        for c, t, w in rows[:limit]
    ]


def _measure(client, targets, rounds_wanted, budget, rng):
    """targets: [(url, kind)]; times per kind over shuffled rounds after a warm-up."""
    for url, _kind in targets:
        _get(client, url)
    times: dict[str, list[float]] = {}
    began = time.monotonic()
    rounds = 0
    while rounds < rounds_wanted and (rounds < MIN_ROUNDS or time.monotonic() - began < budget):
        rounds += 1
        order = targets[:]
        rng.shuffle(order)
        for url, kind in order:
            started = time.perf_counter()
            _get(client, url)
            times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return times, rounds


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _get(client, url)
    qs = ctx.captured_queries
    return len(qs), sum(float(q["time"]) for q in qs) * 1000, qs


def _summary(values):
    return {
        "requests": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "max_ms": round(max(values), 1),
    }


def run(world, scale, generated: dict, *, log=print) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from wijkregie.cases import models as cm

    persona_id = generated["persona_user_id"]
    user = get_user_model().objects.get(pk=persona_id)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    rng = random.Random(world.seed + 16)

    mine = list(
        cm.CaseParticipant.objects.filter(user_id=persona_id, ended_at__isnull=True).values_list(
            "case_id", flat=True
        )
    )
    big_n = generated["big_cases"]
    big = sorted(c for c in mine if c <= big_n)
    plain_pool = sorted(c for c in mine if c > big_n)
    plain = rng.sample(plain_pool, min(len(plain_pool), scale.case_pages))
    sizes = {}
    per_case: dict[int, dict[str, int]] = {c: {} for c in big + plain}
    for label, model in (
        ("actions", cm.CaseAction),
        ("events", cm.CaseEvent),
        ("meetings", cm.Meeting),
        ("participants", cm.CaseParticipant),
        ("agreements", cm.TaskAgreement),
    ):
        per = dict(
            model.objects.filter(case_id__in=big + plain)
            .values("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
        for c in per_case:
            per_case[c][label] = per.get(c, 0)
        sizes[label] = {
            "plain_median": sorted(per.get(c, 0) for c in plain)[len(plain) // 2] if plain else 0,
            "big_median": sorted(per.get(c, 0) for c in big)[len(big) // 2] if big else 0,
        }

    detail = [(reverse("cases:detail", args=[c]), "plain") for c in plain]
    detail += [(reverse("cases:detail", args=[c]), "big") for c in big]
    result: dict = {
        "status": "ok",
        "persona_user_id": persona_id,
        "organisation_id": generated["organisation_id"],
        "cases_of_persona": len(mine),
        "open_cases_of_persona": cm.Case.objects.filter(pk__in=mine, status="open").count(),
        "sizes": sizes,
        "target_p95_ms": 150,
    }
    times, rounds = _measure(client, detail, scale.case_rounds, scale.case_budget, rng)
    # What a case holds besides its numbers decides a few statements: the persona's role
    # (a coordinator gets the forms), and whether there is any action, meeting, agreement,
    # or event at all. Within one such state the count must not depend on the numbers.
    role_of = dict(
        cm.CaseParticipant.objects.filter(
            user_id=persona_id, ended_at__isnull=True, case_id__in=list(per_case)
        ).values_list("case_id", "role")
    )

    def state(c):
        return (role_of.get(c),) + tuple(per_case[c][k] > 0 for k in sorted(per_case[c]))

    by_state: dict[tuple, set[int]] = {}
    counts = {"plain": set(), "big": set()}
    db_ms = {"plain": [], "big": []}
    slowest = []
    for url, kind in detail:
        n, ms, qs = _queries(client, url)
        counts[kind].add(n)
        by_state.setdefault(state(int(url.rstrip("/").rsplit("/", 1)[-1])), set()).add(n)
        db_ms[kind].append(ms)
        slowest.extend((float(q["time"]) * 1000, q["sql"][:300]) for q in qs)
    slowest.sort(reverse=True)
    everything = times.get("plain", []) + times.get("big", [])
    result["case_page"] = {
        **_summary(everything),
        "rounds": rounds,
        "plain": {
            **_summary(times["plain"]),
            "cases": len(plain),
            "queries": sorted(counts["plain"]),
            "db_ms_median": round(sorted(db_ms["plain"])[len(plain) // 2], 1),
        },
        "big": {
            **_summary(times["big"]),
            "cases": len(big),
            "queries": sorted(counts["big"]),
            "db_ms_median": round(sorted(db_ms["big"])[len(big) // 2], 1),
        },
        "query_count_constant": all(len(v) == 1 for v in by_state.values()),
        "queries_by_state": {
            "role {}, any of {}: {}".format(
                k[0], "/".join(sorted(next(iter(per_case.values())))), "/".join(map(str, k[1:]))
            ): sorted(v)
            for k, v in sorted(by_state.items(), key=str)
        },
        "slowest_queries": [{"ms": round(ms, 1), "sql": sql} for ms, sql in slowest[:5]],
        "profile_big_top": _profile_top(client, detail[-1][0]),
    }
    log(
        f"  case page: p50 {result['case_page']['p50_ms']} ms, p95 "
        f"{result['case_page']['p95_ms']} ms; queries {sorted(counts['plain'])} / "
        f"{sorted(counts['big'])}"
    )
    for name, url_name in (
        ("my_work", "cases:my_work"),
        ("by_health", "cases:by_health"),
        ("case_list", "cases:list"),
    ):
        url = reverse(url_name)
        t, r = _measure(client, [(url, "all")] * 5, scale.case_rounds, scale.case_budget, rng)
        n, ms, qs = _queries(client, url)
        slow = sorted(((float(q["time"]) * 1000, q["sql"][:300]) for q in qs), reverse=True)
        result[name] = {
            **_summary(t["all"]),
            "rounds": r,
            "queries": n,
            "db_ms": round(ms, 1),
            "slowest_queries": [{"ms": round(a, 1), "sql": b} for a, b in slow[:5]],
            "profile_top": _profile_top(client, url),
        }
        log(
            f"  {name}: p50 {result[name]['p50_ms']} ms, p95 {result[name]['p95_ms']} ms, "
            f"{n} queries"
        )
    return result
