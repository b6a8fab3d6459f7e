"""Structured log lines on standard output: one JSON object per event.

Fields: time, level, event, actor, organisation, action, object, result, origin, plus
whatever the caller adds. Nothing personal beyond what the audit needs: callers pass ids
and labels, never names, contact data or free text from residents.

Django's own `django.request` records (a server error with its traceback) go through
`RequestContextFilter`, which gives them the same fields. One failing request is one
line: Django reports server errors (`django.request`, with the traceback) and suspicious
requests (`django.security`, a 400); `RequestLogMiddleware` reports refusals (401, 403,
404, 429).
"""

import json
import logging
import re
from datetime import UTC, datetime

from django.utils.functional import LazyObject

logger = logging.getLogger("wijkregie.events")

# Attributes of every LogRecord, and Django's request object (its fields are copied by
# RequestContextFilter): neither goes into the line as such.
STANDARD_ATTRS = set(vars(logging.makeLogRecord({})).keys()) | {
    "message",
    "asctime",
    "request",
    "color_message",  # uvicorn's coloured copy of the message
}
EVENT_FIELDS = ("actor", "organisation", "action", "object", "result", "origin")

# --- Secrets never reach a log line --------------------------------------------------------
REDACTED = "[redacted]"
# Query parameters that carry a secret: an Open311 api_key, tokens, passphrases, codes.
SECRET_PARAMETERS = (
    "api_key|apikey|key|token|access_token|auth|passphrase|password|secret|code|"
    "tracking_code|signature|sig|sessionid|csrfmiddlewaretoken"
)
_SECRET_QUERY = re.compile(rf"(?i)([?&;](?:{SECRET_PARAMETERS})=)[^&;\s\"'#]*")
# Path segments that are secrets: signed follow-up links and receipts, Open311's token
# look-up, and anything after /volgen/ that is not one of its pages.
_SECRET_SEGMENT = re.compile(
    r"(/(?:volgen/link|ontvangen|tokens)/|/volgen/(?!(?:melding|sluiten|link)(?:/|$)))"
    r"[^/?#\s\"']+"
)
# An organisation's API key (`wr_<prefix>_<secret>`) and an Authorization value.
_API_KEY = re.compile(r"\bwr_[A-Za-z0-9]+_[A-Za-z0-9_-]+")
_AUTHORIZATION = re.compile(r"(?i)\b(token|bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
# A tracking code: 10 characters of reports.models.CODE_ALPHABET standing on their own.
_TRACKING_CODE = re.compile(r"(?<![A-Za-z0-9])[2-9A-HJKMNP-Z]{10}(?![A-Za-z0-9])")


def redact(text: str) -> str:
    """`text` without the secrets a request may carry in its URL or headers."""
    text = _SECRET_QUERY.sub(rf"\1{REDACTED}", text)
    text = _SECRET_SEGMENT.sub(rf"\1{REDACTED}", text)
    text = _API_KEY.sub(f"wr_{REDACTED}", text)
    text = _AUTHORIZATION.sub(rf"\1 {REDACTED}", text)
    return _TRACKING_CODE.sub(REDACTED, text)


def _redacted(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update(
            {k: v for k, v in vars(record).items() if k not in STANDARD_ATTRS and k[0] != "_"}
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # Every field, in every mode: a path, a query string or an error message may
        # carry a key, token, passphrase or tracking code (docs/adr/0005).
        line = {k: _redacted(v if isinstance(v, str | int | float | bool | None | list | dict)
                             else str(v)) for k, v in line.items()}  # fmt: skip
        return json.dumps(line, default=str, ensure_ascii=False)


def log_event(event: str, *, level: int = logging.INFO, exc_info=None, **fields) -> None:
    """Log one structured event (login, refusal, audit, error) with its fields.

    `exc_info` (an exception) adds its traceback as the line's `exception`.
    """
    for name in EVENT_FIELDS:
        fields.setdefault(name, "")
    logger.log(level, event, extra=fields, exc_info=exc_info)


def known_user(request):
    """The request's user if it is already known, without a database query (the database
    may be what failed): set by DRF, or resolved and cached by Django's auth middleware."""
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = getattr(request, "_cached_user", None)
    return user


def request_fields(request, status) -> dict:
    """Who asked for what, from what the request already knows."""
    user = known_user(request)
    viewer = getattr(request, "_wijkregie_viewer", None)
    grant = viewer.primary_grant if viewer is not None else None
    path = getattr(request, "path", "")
    return {
        "actor": user.get_username() if user is not None and user.is_authenticated else "",
        "organisation": grant.organisation_name if grant else "",
        "action": getattr(request, "method", ""),
        "object": path,
        "result": status,
        "origin": "api" if path.startswith("/api/") else "web",
        "request_id": getattr(request, "request_id", ""),
    }


class RequestContextFilter(logging.Filter):
    """Turns a `django.request` record into a `request_failed` event with the usual fields.

    Django attaches the request object and the status code; the formatter leaves the
    request object itself out of the line (its repr says nothing the fields do not).
    Attached to the stdout handler: a logger's own filters would miss the records of
    its children (`django.security.DisallowedHost`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is None or isinstance(request, str) or hasattr(record, "detail"):
            return True
        status = getattr(record, "status_code", "")
        for key, value in request_fields(request, status).items():
            setattr(record, key, value)
        record.detail = record.getMessage()
        failed = isinstance(status, int) and status >= 500
        record.msg, record.args = ("request_failed" if failed else "request_refused"), ()
        return True


class AccessLogFilter(logging.Filter):
    """Turns uvicorn's access line into an `http_request` event with the usual fields.

    uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with the client, method, path with query
    string, HTTP version and status; the formatter then redacts the path's secrets.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            client, method, path, _version, status = args
            path = str(path)
            record.msg, record.args = "http_request", ()
            record.actor, record.organisation = "", ""
            record.action, record.object, record.result = method, path, status
            record.origin = "api" if path.startswith("/api/") else "web"
            record.ip = str(client).rsplit(":", 1)[0]
        return True
