import csv
import json
import logging
import sys

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wijkregie.core.apidocs import api_documentation
from wijkregie.core.audit import audit_seal_lag
from wijkregie.core.forms import AuditFilterForm
from wijkregie.core.home import panels_for
from wijkregie.core.ids import parse_id
from wijkregie.core.logging import log_event
from wijkregie.core.middleware import database_outage_response
from wijkregie.core.selectors import (
    AUDIT_PERMISSION,
    audit_entry_export,
    audit_entry_page,
    field_labels,
    object_type_label,
)

# The labels of partners.MandateLevel; core sits below partners and cannot import it.
MANDATE_LABELS = {
    "operational": gettext_lazy("Operational"),
    "tactical": gettext_lazy("Tactical"),
    "strategic": gettext_lazy("Strategic"),
}
OBJECT_IDS_SHOWN_INLINE = 10


@login_required
def home(request):
    """What the professional acts as: organisations, roles and mandate; where to go."""
    viewer = request.viewer
    memberships = [
        {
            "organisation": g.organisation_name,
            "roles": list(g.role_names),
            "mandate": MANDATE_LABELS.get(g.mandate_level, g.mandate_level),
            "may_decide_on": g.may_decide_on,
        }
        for g in viewer.grants
    ]
    return render(
        request, "core/home.html", {"memberships": memberships, "panels": panels_for(request)}
    )


def _require_audit_reader(request):
    if not request.viewer.has_perm(AUDIT_PERMISSION):
        raise DjangoPermissionDenied(_("You may not read the audit trail."))


def _entry_rows(entries):
    rows = []
    for e in entries:
        rows.append(
            {
                "entry": e,
                "object_type_label": object_type_label(e.object_type),
                "field_labels": field_labels(e.object_type, e.fields),
                "context_type_label": object_type_label(e.context_type),
                "object_ids_inline": len(e.object_ids) <= OBJECT_IDS_SHOWN_INLINE,
            }
        )
    return rows


@login_required
@require_GET
def audit_list(request):
    """The audit trail for a privacy officer: filters, newest first, paged by sequence."""
    _require_audit_reader(request)
    form = AuditFilterForm(request.GET or None, viewer=request.viewer)
    page = None
    if not request.GET or form.is_valid():
        filters = form.filters() if request.GET else None
        page = audit_entry_page(
            viewer=request.viewer,
            filters=filters,
            before=parse_id(request.GET.get("before")),
            after=parse_id(request.GET.get("after")),
        )
    query = request.GET.copy()
    for key in ("before", "after", "format"):
        query.pop(key, None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "rows": _entry_rows(page.entries) if page else [],
            "filter_query": query.urlencode(),
        },
        status=200 if page is not None else 400,
    )


CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "data_owner_id",
    "data_owner_label",
    "action",
    "action_label",
    "object_type",
    "object_type_label",
    "object_ids",
    "field_names",
    "fields",
    "context_type",
    "context_id",
    "context_label",
    "origin",
    "request_id",
    "hash",
    "seal_id",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with "=" as a formula (CSV injection).
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _entry_dict(e) -> dict:
    """One entry for the export: the stored codes, and beside them the action, the kind of
    data and the fields in words (in the reader's language)."""
    data = {}
    for name in CSV_COLUMNS:
        if name == "action_label":
            data[name] = e.get_action_display()
        elif name == "object_type_label":
            data[name] = object_type_label(e.object_type)
        elif name == "field_names":
            data[name] = e.fields
        elif name == "fields":
            data[name] = ", ".join(field_labels(e.object_type, e.fields))
        else:
            data[name] = getattr(e, name)
    data["occurred_at"] = e.occurred_at.isoformat()
    return data


@login_required
@require_GET
def audit_export(request):
    """The filtered audit trail as CSV or JSON; the export itself is an audit entry."""
    _require_audit_reader(request)
    export_format = request.GET.get("format", "csv")
    if export_format not in ("csv", "json"):
        return render(
            request, "400.html", {"message": _("Choose CSV or JSON as format.")}, status=400
        )
    form = AuditFilterForm(request.GET, viewer=request.viewer)
    if not form.is_valid():
        return render(request, "400.html", {"message": _("The filters are not valid.")}, status=400)
    entries = audit_entry_export(viewer=request.viewer, filters=form.filters())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if export_format == "json":
        body = {
            "exported_at": timezone.now().isoformat(),
            "filters": form.filters().describe(),
            "entries": [_entry_dict(e) for e in entries],
        }
        response = HttpResponse(
            json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for e in entries:
            writer.writerow([_csv_cell(v) for v in _entry_dict(e).values()])
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.{export_format}"'
    return response


@login_required
@require_GET
def api_docs(request):
    """The OpenAPI schema as a server-rendered page (no CDN, no inline scripts: strict CSP)."""
    return render(
        request,
        "core/api_docs.html",
        {
            "doc": api_documentation(),
            "schema_url": reverse("api-schema"),
        },
    )


def csrf_failure(request, reason=""):
    """A form post without a valid CSRF token: say what to do, in the user's language."""
    request._wijkregie_refusal_reason = f"csrf: {reason}"[:200]
    return render(request, "403_csrf.html", status=403)


# /health/ answers within about this many seconds per dependency, also when one hangs.
HEALTH_TIMEOUT_SECONDS = 1
HEALTH_RETRY_AFTER_SECONDS = 10
HEALTH_CACHE_KEY = "wijkregie:health"


def _database_answers() -> bool:
    pool = getattr(connection, "pool", None)  # PostgreSQL with a psycopg pool
    if pool is not None:
        # A pooled connection of its own with a short wait: not the requests' timeout.
        pool.open(wait=False)
        with pool.connection(timeout=HEALTH_TIMEOUT_SECONDS) as conn:
            conn.execute("SELECT 1")
        return True
    with connection.cursor() as cursor:  # connect_timeout bounds a first connection
        cursor.execute("SELECT 1")
    return True


def _cache_answers() -> bool:
    # RedisCache has socket timeouts (settings.CACHES); the in-process cache always answers.
    cache.set(HEALTH_CACHE_KEY, "ok", timeout=60)
    return cache.get(HEALTH_CACHE_KEY) == "ok"


HEALTH_DEPENDENCIES = {"database": _database_answers, "cache": _cache_answers}


def _audit_sealing(body: dict) -> None:
    """The audit check: how old the oldest unsealed entry is (one query on a partial
    index). Past AUDIT_SEAL_MAX_LAG_SECONDS the check fails and the status is "degraded",
    still with 200: requests are served and audited, only their sealing waits, and a 503
    would take every web process out of the load balancer (docs/adr/0009)."""
    try:
        lag = audit_seal_lag()
    except Exception as error:  # a health check never answers with a traceback
        log_event(
            "dependency_unavailable",
            level=logging.WARNING,
            object="audit",
            result="unknown",
            origin="web",
            error=f"{type(error).__name__}: {error}"[:300],
        )
        body["audit"] = "unknown"
        return
    body["audit"] = "lagging" if lag.lagging else "ok"
    body["audit_oldest_unsealed_seconds"] = lag.seconds
    if lag.lagging and body["status"] == "ok":
        body["status"] = "degraded"
        body["failing"] = ["audit"]


@require_GET
def health(request):
    """Readiness for the load balancer: PostgreSQL and the cache (Redis), each with its state.

    200 when both answer; 503 with `Retry-After` and the names of what is down otherwise.
    Each check is bounded by a short timeout, so the answer never hangs.
    """
    body = {"status": "ok"}
    down = []
    for name, answers in HEALTH_DEPENDENCIES.items():
        try:
            ok = answers()
        except Exception as error:  # the operator needs a 503 naming it, not a traceback
            ok = False
            log_event(
                "dependency_unavailable",
                level=logging.WARNING,
                object=name,
                result=503,
                origin="web",
                error=f"{type(error).__name__}: {error}"[:300],
            )
        body[name] = "ok" if ok else "unavailable"
        if not ok:
            down.append(name)
    if "database" not in down:
        _audit_sealing(body)
    if not down:
        return JsonResponse(body)
    body["status"] = "unavailable"
    body["unavailable"] = down
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(HEALTH_RETRY_AFTER_SECONDS)
    response._has_been_logged = True  # dependency_unavailable said it; no request_failed
    return response


# The last resort when even the error page cannot be rendered (a broken template or
# static-files manifest): plain HTML, no template, no database.
FALLBACK_ERROR_PAGE = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Wijkregie</title>'
    "</head><body><main><h1>Er ging iets mis / Something went wrong</h1>"
    '<p><a href="/">Wijkregie</a></p></main></body></html>'
)


def _render_without_request(template_name: str, context: dict | None = None) -> str:
    try:
        return loader.get_template(template_name).render(context or {})
    except Exception:  # the error page must not fail in its turn
        return FALLBACK_ERROR_PAGE


def server_error(request):
    """handler500: our 500 page, rendered without the request (nothing that may fail).

    A database outage raised outside a view (the session, the user in a middleware) ends
    here too: it gets the 503 with Retry-After of core.middleware, as in a view.
    """
    outage = database_outage_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    return HttpResponseServerError(_render_without_request("500.html"))


def bad_request(request, exception):
    """handler400: our 400 page, rendered without the request."""
    return HttpResponseBadRequest(_render_without_request("400.html"))


# The 403 and 404 handlers are Django's own, rendering 403.html and 404.html from
# core/templates with the request (navigation included).
