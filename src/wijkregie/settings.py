"""Settings for Wijkregie: one file, twelve-factor, every value from the environment.

The embedded default (no variables set) is a development set-up on SQLite with console
e-mail and an in-process cache. Production sets DJANGO_DEBUG=false and the variables
documented in .env.example; `manage.py check --deploy` must then be clean.
"""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

import environ
from csp.constants import NONE, SELF

from wijkregie.core.oidc import oidc_provider_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SRC_DIR = BASE_DIR / "src" / "wijkregie"
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The demo mode allows the printed TOTP secrets of demo users and `manage.py demo`.
# Production refuses both: see wijkregie.demo and the system check in core.checks.
DEMO_MODE = env.bool("WIJKREGIE_DEMO_MODE", default=DEBUG)
# With DEBUG on, users still get our 403/404/500 pages (core/error_pages.py); a developer
# who wants Django's technical error pages sets this.
WIJKREGIE_TECHNICAL_ERROR_PAGES = env.bool("WIJKREGIE_TECHNICAL_ERROR_PAGES", default=False)
if DEBUG and not WIJKREGIE_TECHNICAL_ERROR_PAGES:
    DEFAULT_EXCEPTION_REPORTER = "wijkregie.core.error_pages.ProductExceptionReporter"

# The committed key signs nothing outside development: with DEBUG off there is no default,
# and the system check wijkregie.E002 (core.checks) refuses this key, an empty one or a
# short one, so `check --deploy`, `migrate` and the web server itself (asgi.py) refuse to
# start. Follow-up links and sessions can then never be forged with a key from the code.
WIJKREGIE_DEVELOPMENT_SECRET_KEY = (
    "insecure-development-key-only-for-the-embedded-default-0123456789abcdef"
)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=WIJKREGIE_DEVELOPMENT_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("WIJKREGIE_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "wijkregie.core",
    "wijkregie.partners",
    "wijkregie.places",
    "wijkregie.residents",
    "wijkregie.reports",
    "wijkregie.cases",
    "wijkregie.communications",
    "wijkregie.outreach",
    "wijkregie.chat",
    "wijkregie.demo",
]

MIDDLEWARE = [
    # Outermost: only while DEBUG is on (our 404 page for paths that match nothing).
    "wijkregie.core.error_pages.ProductErrorPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected, hashed and compressed static files in production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "wijkregie.core.middleware.RequestLogMiddleware",
    # Early, so that their process_exception runs last and nothing before them reads
    # a body with a NUL byte or waits on a database that is away.
    "wijkregie.core.middleware.RejectNulBytesMiddleware",
    "wijkregie.core.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wijkregie.core.middleware.RequireSecondFactorMiddleware",
    "wijkregie.partners.middleware.ViewerMiddleware",
    "wijkregie.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "wijkregie.urls"
WSGI_APPLICATION = "wijkregie.wsgi.application"
ASGI_APPLICATION = "wijkregie.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "core" / "templates"],  # first, so its allauth overrides win
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wijkregie.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite by default (embedded), PostgreSQL in production and CI through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'wijkregie.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN: a transaction that reads and then writes
    # (the audit sealer's head, a counter) never meets a "database is locked" upgrade.
    _db.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    # Reused connections: without them an insert costs ~4x more here (ARCHITECTURE.md).
    # Under ASGI every request may run in its own thread, so per-thread persistent
    # connections pile up to PostgreSQL's limit; a psycopg pool per process caps them.
    # A database that does not answer must not hold requests: a connection attempt gives
    # up after DJANGO_DB_CONNECT_TIMEOUT seconds, a wait for a pooled connection after
    # DJANGO_DB_POOL_TIMEOUT; the request is then answered 503 (core.middleware).
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DJANGO_DB_CONNECT_TIMEOUT", default=2
    )
    _pool_size = env.int("DJANGO_DB_POOL_MAX_SIZE", default=10)
    if _pool_size > 0:
        _db["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        # The pool hands out only connections that pass a check, so after a database
        # restart the first requests do not get the dead connections of before.
        _db["CONN_HEALTH_CHECKS"] = True
        _db["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": _pool_size,
            "timeout": env.float("DJANGO_DB_POOL_TIMEOUT", default=3),
            # The pool retries a lost database with a doubling delay until this many
            # seconds; then a new request starts again at one second. Without the cap
            # the delay grows to minutes and the site stays down after the database is
            # back.
            "reconnect_timeout": 10,
        }
    else:
        _db["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, login throttling) ------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "wijkregie.core.cache_backend.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("WIJKREGIE_CACHE_PREFIX", default="wijkregie"),
            # A Redis that is down or unreachable must fail fast: the resident pages then
            # degrade (core/cache.py) and /health/ says so, instead of hanging on a socket.
            "OPTIONS": {
                "socket_connect_timeout": env.float("WIJKREGIE_CACHE_TIMEOUT", default=0.5),
                "socket_timeout": env.float("WIJKREGIE_CACHE_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------------------
# Enqueueing is an INSERT in the same transaction as the data (ARCHITECTURE.md).
TASKS = {
    "default": {
        "BACKEND": env("WIJKREGIE_TASK_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- Authentication -------------------------------------------------------------------
# Object permissions are asked of the viewer (`Viewer.has_perm(permission, obj=…)`, which
# reads the `rules` registered in <app>/rules.py), never of a Django user: no rules backend.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Professionals are invited by an administrator; nobody signs up on their own.
ACCOUNT_ADAPTER = "wijkregie.core.auth.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "wijkregie.core.auth.SocialAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
# A reset request for an unknown address sends nothing (no mail to strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# Throttle failed logins per IP and lock the account key after repeated failures.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("WIJKREGIE_LOGIN_FAILED_LIMIT", default="20/m/ip,5/15m/key"),
    "login": "60/m/ip",
    "reset_password": "5/m/ip,3/m/key",
}
# The per-address login limits take the client address from core.http.client_ip (through
# core.auth.AccountAdapter.get_client_ip), as the logs and the resident pages do.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Wijkregie"
MFA_RECOVERY_CODE_COUNT = 10

# An organisation's own OpenID Connect identity provider (optional; OIDC_* variables, see
# docs/operations.md). It logs in existing accounts only, matched by a verified e-mail.
SOCIALACCOUNT_PROVIDERS = oidc_provider_settings(os.environ)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
# Each app keeps its own locale/ folder; this one only overrides allauth's Dutch "je"
# with our "u" (it comes before every app's catalogue).
LOCALE_PATHS: list = [SRC_DIR / "core" / "locale_overrides"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "wijkregie_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # remembered across sessions, not only this one

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("WIJKREGIE_STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [SRC_DIR / "static", ("vendor", BASE_DIR / "var" / "vendor")]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("WIJKREGIE_MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=5_242_880)
WIJKREGIE_IMPORT_MAX_BYTES = env.int("WIJKREGIE_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)

# --- E-mail --------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Wijkregie <noreply@wijkregie.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# django-anymail: with DJANGO_EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend mail goes
# through Mailgun's API; its tracking webhook (/nieuwsbrief/webhooks/mailgun/tracking/)
# reports bounces and complaints, each request checked against the signing key, and with
# ANYMAIL_WEBHOOK_SECRET ("user:password") against HTTP basic auth as well (docs/operations.md).
ANYMAIL = {
    "MAILGUN_API_KEY": env("MAILGUN_API_KEY", default=""),
    "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN", default=""),
    "MAILGUN_API_URL": env("MAILGUN_API_URL", default="https://api.eu.mailgun.net/v3"),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wijkregie.partners.authentication.OrganisationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["wijkregie.core.permissions.IsVerifiedProfessional"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "wijkregie.core.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "wijkregie.core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "1200/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wijkregie API",
    "DESCRIPTION": "Private REST API of Wijkregie. Every endpoint applies the same "
    "need-to-know rules as the pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The problem+json answers (400/401/403/404) of every operation: core/api.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wijkregie.core.api.problem_responses",
    ],
    # Several models have a `kind`, `status` or `channel`: name each enum after its choices
    # (drf_spectacular.W001; `check --deploy` fails on it). An app adding such a field adds
    # its entry here.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "wijkregie.partners.models.OrganisationKind",
        "CommonAreaKindEnum": "wijkregie.places.models.CommonAreaKind",
        "OccupancyKindEnum": "wijkregie.residents.models.OccupancyKind",
        "ContactChannelEnum": "wijkregie.residents.models.ContactChannel",
        "ReportChannelEnum": "wijkregie.reports.models.Channel",
        "ReportStatusEnum": "wijkregie.reports.workflows.ReportStatus",
        "ImportJobStatusEnum": "wijkregie.core.models.Job.Status",
        "MandateLevelEnum": "wijkregie.partners.models.MandateLevel",
        "CaseKindEnum": "wijkregie.cases.workflows.CaseKind",
        "CaseStatusEnum": "wijkregie.cases.workflows.CaseStatus",
        "CaseRoleEnum": "wijkregie.cases.workflows.CaseRole",
        "CaseConfidentialityEnum": "wijkregie.cases.workflows.Confidentiality",
        "AgreementStatusEnum": "wijkregie.cases.workflows.AgreementStatus",
        "ActionStatusEnum": "wijkregie.cases.workflows.ActionStatus",
        "NewsletterStatusEnum": "wijkregie.communications.models.NewsletterStatus",
        "NewsletterDeliveryStatusEnum": "wijkregie.communications.models.DeliveryStatus",
        "NewsletterDeliveryChannelEnum": "wijkregie.communications.models.DeliveryChannel",
        "VisitOutcomeEnum": "wijkregie.outreach.models.VisitOutcome",
        "CoverageStateEnum": "wijkregie.outreach.models.Coverage",
    },
}

# --- Security headers -------------------------------------------------------------------
# A strict Content-Security-Policy without 'unsafe-inline': no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "wijkregie.core.views.csrf_failure"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer probes over plain HTTP
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging: structured lines to standard output ---------------------------------------
LOG_LEVEL = env("WIJKREGIE_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "wijkregie.core.logging.JsonFormatter"},
    },
    "filters": {
        "request_context": {"()": "wijkregie.core.logging.RequestContextFilter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context"],
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["stdout"], "level": "WARNING"},
    "loggers": {
        "wijkregie": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # Server errors with their traceback; 4xx are logged by RequestLogMiddleware.
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        # A CSRF refusal is one line from RequestLogMiddleware, with the reason.
        "django.security.csrf": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "django.db.backends": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        # The task worker's own lines (core/management/commands/task_worker.py).
        "django_tasks": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django_tasks_db": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}

# --- Wijkregie ------------------------------------------------------------------------
# Default theme class on <html>; a tenant theme adds its class and stylesheet.
WIJKREGIE_THEME_CLASS = env("WIJKREGIE_THEME_CLASS", default="voorbeeld-theme")
WIJKREGIE_THEME_STYLESHEET = env("WIJKREGIE_THEME_STYLESHEET", default="")
# The most audit entries one export holds (newest first); narrow the filters for more.
WIJKREGIE_AUDIT_EXPORT_MAX_ROWS = env.int("WIJKREGIE_AUDIT_EXPORT_MAX_ROWS", default=10_000)
# The sealer (`manage.py audit_seal --loop`) signs each seal with HMAC-SHA256 under this
# key when set (keep it out of the database's reach); /health/ says "lagging" once an
# unsealed audit entry is older than AUDIT_SEAL_MAX_LAG_SECONDS (docs/adr/0009).
AUDIT_SEAL_KEY = env("AUDIT_SEAL_KEY", default="")
AUDIT_SEAL_MAX_LAG_SECONDS = env.int("AUDIT_SEAL_MAX_LAG_SECONDS", default=60)

# --- Resident pages: report form, follow-up, Open311 (reports/public_*, open311) -------
# Residents read the public pages in the languages spoken in the buildings (BRIEF 32);
# professional pages stay in LANGUAGES. The public views activate the resident's choice
# themselves (cookie below), so LocaleMiddleware never serves these to professionals.
WIJKREGIE_RESIDENT_LANGUAGES = [
    ("nl", "Nederlands"),
    ("en", "English"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
    ("pl", "Polski"),
    ("uk", "Українська"),
]
WIJKREGIE_RESIDENT_LANGUAGE_COOKIE = "wijkregie_resident_language"
WIJKREGIE_PHOTO_MAX_BYTES = env.int("WIJKREGIE_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
WIJKREGIE_PHOTO_MAX_PIXELS = env.int("WIJKREGIE_PHOTO_MAX_PIXELS", default=50_000_000)
WIJKREGIE_PHOTO_MAX_DIMENSION = env.int("WIJKREGIE_PHOTO_MAX_DIMENSION", default=4096)
# Rates as "count/seconds": reports per client address and per building, address
# look-ups per client address. (Failed passphrase tries: reports/passphrases.py.)
# A high ceiling per address: a room of neighbours on one Wi-Fi shares one (limits.py).
WIJKREGIE_REPORT_RATE_PER_IP = env("WIJKREGIE_REPORT_RATE_PER_IP", default="100/3600")
WIJKREGIE_REPORT_RATE_PER_CATEGORY = env("WIJKREGIE_REPORT_RATE_PER_CATEGORY", default="20/3600")
WIJKREGIE_REPORT_RATE_PER_BUILDING = env("WIJKREGIE_REPORT_RATE_PER_BUILDING", default="150/3600")
WIJKREGIE_LOOKUP_RATE_PER_IP = env("WIJKREGIE_LOOKUP_RATE_PER_IP", default="30/600")
# Bot trap: a public form sent sooner than this after rendering is asked again; one
# older than the maximum age gets a fresh token (and a fresh idempotency key).
WIJKREGIE_FORM_MIN_SECONDS = env.int("WIJKREGIE_FORM_MIN_SECONDS", default=3)
WIJKREGIE_FORM_MAX_AGE = env.int("WIJKREGIE_FORM_MAX_AGE", default=24 * 3600)
# Client addresses behind a load balancer: how many proxies add X-Forwarded-For
# (read by core.http.client_ip only).
WIJKREGIE_TRUSTED_PROXY_COUNT = env.int("WIJKREGIE_TRUSTED_PROXY_COUNT", default=0)
# A verified follow-up (tracking code + passphrase) is remembered this long; the signed
# link in e-mails to reporters who left an address works this many days.
WIJKREGIE_FOLLOW_UP_SESSION_SECONDS = 30 * 60
WIJKREGIE_FOLLOW_UP_LINK_DAYS = env.int("WIJKREGIE_FOLLOW_UP_LINK_DAYS", default=30)
# Open311 discovery: whom reporting apps contact (default: DEFAULT_FROM_EMAIL).
WIJKREGIE_OPEN311_CONTACT = env("WIJKREGIE_OPEN311_CONTACT", default="")
# Open311: a request's lat/long resolves to the nearest building whose point lies at most
# this many metres away (docs/open311.md); farther away is an error naming the nearest.
WIJKREGIE_OPEN311_POINT_RADIUS_M = env.int("WIJKREGIE_OPEN311_POINT_RADIUS_M", default=100)
# Retention (core.retention, docs/privacy.md): `manage.py retention_purge` erases or deletes
# personal data this many days after its end: a reporter's contact details after the
# report closed, a resident's details after their last tenancy ended, an import's
# uploaded file after the import finished.
WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS = env.int(
    "WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS", default=365
)
WIJKREGIE_RESIDENT_RETENTION_DAYS = env.int("WIJKREGIE_RESIDENT_RETENTION_DAYS", default=2 * 365)
WIJKREGIE_IMPORT_FILE_RETENTION_DAYS = env.int("WIJKREGIE_IMPORT_FILE_RETENTION_DAYS", default=30)

# --- Building chat (chat/, docs/adr/0016) ------------------------------------------------
# Live delivery across web processes goes through Redis pub/sub (this URL; by default the
# cache's REDIS_URL); without it, events reach the streams of this one process only.
WIJKREGIE_CHAT_REDIS_URL = env("WIJKREGIE_CHAT_REDIS_URL", default=REDIS_URL)
WIJKREGIE_CHAT_PUBSUB_PREFIX = env("WIJKREGIE_CHAT_PUBSUB_PREFIX", default="wijkregie:chat")
# Messages are kept this many days, then purged by `retention_purge`.
WIJKREGIE_CHAT_RETENTION_DAYS = env.int("WIJKREGIE_CHAT_RETENTION_DAYS", default=180)
# A join code works this many days; a signed-in device stays signed in this many days.
WIJKREGIE_CHAT_CODE_DAYS = env.int("WIJKREGIE_CHAT_CODE_DAYS", default=30)
WIJKREGIE_CHAT_DEVICE_DAYS = env.int("WIJKREGIE_CHAT_DEVICE_DAYS", default=365)
# Wrong codes from one address or device: after "n/seconds" every try waits a minute;
# after the second n the sign-in is locked for that many seconds.
WIJKREGIE_CHAT_CODE_SLOW_AFTER = env("WIJKREGIE_CHAT_CODE_SLOW_AFTER", default="5/900")
WIJKREGIE_CHAT_CODE_LOCK_AFTER = env("WIJKREGIE_CHAT_CODE_LOCK_AFTER", default="20/3600")
# Messages one member may post: "count/seconds".
WIJKREGIE_CHAT_POST_RATE = env("WIJKREGIE_CHAT_POST_RATE", default="10/30")
# An event stream ends after this many seconds; the browser reconnects with Last-Event-ID.
WIJKREGIE_CHAT_STREAM_SECONDS = env.int("WIJKREGIE_CHAT_STREAM_SECONDS", default=300)
# The sign-in link sent to a member's recovery e-mail address: valid this long, once; at
# most WIJKREGIE_CHAT_RECOVERY_RATE asks per address and per client address.
WIJKREGIE_CHAT_RECOVERY_MINUTES = env.int("WIJKREGIE_CHAT_RECOVERY_MINUTES", default=30)
WIJKREGIE_CHAT_RECOVERY_RATE = env("WIJKREGIE_CHAT_RECOVERY_RATE", default="3/3600")
