"""Settings for LotFlow.

Everything that differs between one machine and a scaled-out install comes from
environment variables: ``DATABASE_URL`` (default: SQLite under ``var/``),
``REDIS_URL`` (default: Celery's filesystem broker, no server needed),
``LOTFLOW_SECRET_KEY``, ``LOTFLOW_DATA_KEYS``, ``LOTFLOW_DEBUG``, ``LOTFLOW_LANGUAGE``
(the group's default language: ``zh-hans``, the default, or ``en``) and ``LOTFLOW_TIME_ZONE``.

Production fails closed: DEBUG is off unless ``LOTFLOW_DEBUG=1``, the two keys
have no fallback (a start without them stops with a message naming the variable),
and HTTPS-only cookies, the redirect to HTTPS and HSTS are on unless
``LOTFLOW_HTTPS=0`` (what ``make run`` sets for plain http://127.0.0.1).
"""

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOTFLOW_VAR_DIR", BASE_DIR / "var"))


def _required(name: str) -> str:
    """The variable's value; a start without it stops here (settings load before anything else runs).

    Not translated: the translation machinery needs these very settings.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment to a long random value, for instance the output of "
            f"`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`, and keep it: it must stay the same "
            f"across restarts. On a development machine, `make run` (or bin/local-env COMMAND) makes local keys "
            f"once and keeps them in var/."
        )
    return value


def _data_keys(name: str) -> str:
    """The key ring, checked as it is read: a start with none, or a malformed one, stops here."""
    from portal.crm.crypto import ring_parse  # a plain module: no model, no settings read at import

    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it to a key id, a colon and a long random secret, for instance "
            f"`1:` followed by the output of `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            f"and keep it with the backups: personal data is sealed with it. On a development machine, "
            f"`make run` (or bin/local-env COMMAND) makes one once and keeps it in var/."
        )
    try:
        ring_parse(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is malformed: {error}.") from None
    return value


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip() == "1"


DEBUG = _flag("LOTFLOW_DEBUG", False)
SECRET_KEY = _required("LOTFLOW_SECRET_KEY")
ALLOWED_HOSTS = os.environ.get("LOTFLOW_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "engine",
    "portal.crm",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "portal.inbox",
    "portal.studio",
    "portal.reports",  # reports: funnels, period reports, scorecards, dashboards
    "portal.care",  # messages to customers, templates, consent (docs/care.md)
    "portal.surveys",  # satisfaction surveys: questionnaires, invitations by link, answers, the index
    "portal.ui",
    "portal.ops",
    "axes",
    # A second factor for admins (portal/second_factor.py): django-otp and its TOTP devices.
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: an oversized request is refused unread; signed-in pages are never cached.
    "portal.limits.RequestLimitsMiddleware",
    # Only our own scripts run (portal/csp.py).
    "portal.csp.ContentSecurityPolicyMiddleware",
    # Static files from STATIC_ROOT with far-future caching, in `make run` as in production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in staff member's saved language wins over cookie and browser.
    "portal.i18n.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session left alone for LOTFLOW_IDLE_MINUTES ends (after messages: it says so on the login page).
    "portal.accounts.IdleTimeoutMiddleware",
    # Admins pass a code from their authenticator app before any other page (portal/second_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "portal.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A report's reads go to the read replica, when there is one (portal/ops/replica.py).
    "portal.ops.replica.ReportsReplicaMiddleware",
    # Last: answers a locked-out login with the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dj_database_url.DBConfig:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Connections live across requests; each request checks the one it takes first, so that a connection the
        # server ended meanwhile (a restart, a failover) is replaced rather than failing that request.
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # SQLite shared by web, worker and beat: WAL lets readers run beside the one
    # writer, IMMEDIATE takes the write lock at BEGIN (so two writers queue rather
    # than deadlock on an upgrade), and the busy timeout makes them wait, not fail.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "lotflow.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # Checkpoints sync to disk (up to ~90 ms here): the beat runs them every
            # 30 s (workers.tasks.checkpoint_database) instead of the request that
            # happens to cross the default 1,000 pages; 50,000 pages is the safety net.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=50000;",
        },
    }


DATABASES = {"default": _database()}
# The reports read from a read replica of the primary when one is named (portal/ops/replica.py, docs/scaling.md);
# the test suite reads it through the primary (MIRROR).
if os.environ.get("LOTFLOW_REPORTS_DATABASE_URL"):
    DATABASES["reports_replica"] = {
        **dj_database_url.parse(os.environ["LOTFLOW_REPORTS_DATABASE_URL"], conn_max_age=60),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["portal.ops.replica.ReportsReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- language and formats ---------------------------------------------------
# The group's default language (LOTFLOW_LANGUAGE, Chinese out of the box); each staff member may pick
# their own (Staff.language), an anonymous visitor gets their cookie or their browser's choice
# (portal.i18n.LanguageMiddleware). An unsupported code falls back to this default.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_CODE = os.environ.get("LOTFLOW_LANGUAGE", "zh-hans").strip().lower() or "zh-hans"
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LOTFLOW_LANGUAGE={LANGUAGE_CODE!r} is not one of {', '.join(dict(LANGUAGES))}.")
LANGUAGE_COOKIE_NAME = "lotflow_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Each app's own catalog is found in <app>/locale; this one is for portal/templates and portal/*.py.
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
# One format per kind of value (portal/formats/<locale>/formats.py; the template filters of portal.ui).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = os.environ.get("LOTFLOW_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "portal" / "static",
    # The page scripts bundled by bin/build-frontend (`make npm`): {% static "bundles/<entry>.js" %}.
    ("bundles", BASE_DIR / "build" / "frontend"),
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "portal.frontend.NodeModulesFinder",
]
# The files of node_modules (installed by `npm ci` from package-lock.json) that the pages load, by the
# path their {% static %} tag names; nothing else of node_modules is collected.
LOTFLOW_NODE_MODULES = BASE_DIR / "node_modules"
LOTFLOW_FRONTEND_FILES = ["@picocss/pico/css/pico.min.css", "htmx.org/dist/htmx.min.js"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (pico.min.<hash>.css), so a new release is never served from an old cache; gzip and brotli
    # copies beside them.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# A session lasts a working day; an expired one sends the next post to the login page
# with a message saying nothing was saved.
SESSION_COOKIE_AGE = int(os.environ.get("LOTFLOW_SESSION_SECONDS", str(12 * 60 * 60)))
# ...and ends sooner when nobody uses it: a counter or a phone left signed in.
IDLE_MINUTES = int(os.environ.get("LOTFLOW_IDLE_MINUTES", "30"))

# --- Accounts ----------------------------------------------------------------
# Passwords of at least 12 characters, not a common one, not all digits, not like the person's names.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes counts failed logins in the database, which every web process shares: after
# LOTFLOW_LOGIN_FAILURES failures for one username from one address, that pair is locked for
# LOTFLOW_LOCKOUT_MINUTES (or until an admin unlocks it on the staff page). Every attempt is logged.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOTFLOW_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOTFLOW_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.accounts.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
# Successes (AccessLog) and failures (AccessFailureLog) are both kept: the staff page shows them to admins.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Admins (and superusers) also type a code from an authenticator app (TOTP) after the password; without a device
# they must set one up first (portal/second_factor.py). Only the test suite turns this off (tests/settings.py).
LOTFLOW_ADMIN_SECOND_FACTOR = _flag("LOTFLOW_ADMIN_SECOND_FACTOR", True)
OTP_TOTP_ISSUER = "LotFlow"

# --- HTTPS ------------------------------------------------------------------
# On by default, so that `manage.py check --deploy --fail-level WARNING` passes on a real install;
# `make run` sets LOTFLOW_HTTPS=0 to serve plain http://127.0.0.1. Behind a proxy that ends TLS, set
# LOTFLOW_PROXY_SSL_HEADER=1 so that Django trusts its X-Forwarded-Proto (only there: a client could send it too).
HTTPS = _flag("LOTFLOW_HTTPS", True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("LOTFLOW_HSTS_SECONDS", str(365 * 24 * 60 * 60))) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and _flag("LOTFLOW_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = HTTPS and _flag("LOTFLOW_HSTS_PRELOAD", True)
if HTTPS and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # an install that chose not to be preloaded
if _flag("LOTFLOW_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind that one proxy, a login's address is the client's (X-Forwarded-For), not the proxy's.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# --- engine ---------------------------------------------------------------
LOTFLOW = {
    # Role codes; a BPMN lane's name must be one of them.
    "ROLES": ["sales", "store_manager", "hq", "finance", "service", "complaints", "admin"],
    # The function that answers "which (role, store) pairs does this user hold?"
    "GRANTS_FUNCTION": "portal.crm.grants.grants_for",
    # Modules that register service functions and choice providers at start-up.
    "REGISTRY_MODULES": [
        "portal.crm.services_registry",
        "portal.crm.automation.catalog",
        "portal.crm.processes.sales",
        "portal.crm.processes.stock",
        "portal.care.registry",
        "portal.surveys.services_registry",
    ],
    "PROCESS_DIR": BASE_DIR / "processes",
    # Shipped rule files; the versions admins save live in the database.
    "RULES_DIR": BASE_DIR / "rules",
    # Automatic steps that fail are retried this many times, waiting
    # INCIDENT_BACKOFF_SECONDS * 2**attempt between tries, then wait for an admin.
    "INCIDENT_MAX_ATTEMPTS": int(os.environ.get("LOTFLOW_INCIDENT_MAX_ATTEMPTS", "5")),
    "INCIDENT_BACKOFF_SECONDS": int(os.environ.get("LOTFLOW_INCIDENT_BACKOFF_SECONDS", "30")),
    # Live workflows kept per process, checked against the row's version before use.
    "LIVE_CACHE_SIZE": int(os.environ.get("LOTFLOW_LIVE_CACHE_SIZE", "512")),
    # On PostgreSQL, a step's statements are prepared once per connection (engine/sql.py). Off ("0") behind a
    # pool in transaction mode that does not keep prepared statements (PgBouncer before 1.21, docs/scaling.md).
    "PREPARED_STATEMENTS": os.environ.get("LOTFLOW_PREPARED_STATEMENTS", "1") != "0",
    # Rule replay (issue 20): days the facts each rule evaluation saw are kept for replays.
    "RULE_FACTS_KEEP_DAYS": int(os.environ.get("LOTFLOW_RULE_FACTS_KEEP_DAYS", "35")),
}

# --- crm ------------------------------------------------------------------
# The data key ring (portal.crm.crypto): "id:secret" entries, comma-separated, the current key first. It seals
# personal values and scans and keys the hashes they are searched by; `manage.py rotate_data_key` moves everything
# to the first key. Keep it with (and apart from) the backups: without it, a restored database reads nothing.
LOTFLOW_DATA_KEYS = _data_keys("LOTFLOW_DATA_KEYS")
# Customer scans and contracts: outside STATIC_ROOT and any MEDIA_ROOT, served only by a scoped view.
LOTFLOW_ATTACHMENT_DIR = Path(os.environ.get("LOTFLOW_ATTACHMENT_DIR", VAR_DIR / "attachments"))
LOTFLOW_ATTACHMENT_MAX_BYTES = int(os.environ.get("LOTFLOW_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# No request body may be larger (an upload's limit plus room for the form around it); checked before it is read.
LOTFLOW_MAX_REQUEST_BYTES = int(os.environ.get("LOTFLOW_MAX_REQUEST_BYTES", str(LOTFLOW_ATTACHMENT_MAX_BYTES + 2**20)))
# A lead import file holds at most this many rows (a bigger one is refused at upload, to be split).
LOTFLOW_IMPORT_MAX_ROWS = int(os.environ.get("LOTFLOW_IMPORT_MAX_ROWS", "20000"))
# ...and an .xlsx file unpacks to at most this many bytes (a small file can hide a huge cell).
LOTFLOW_IMPORT_MAX_EXPANDED_BYTES = int(os.environ.get("LOTFLOW_IMPORT_MAX_EXPANDED_BYTES", str(50 * 1024 * 1024)))
# Public lead form: at most this many posts per client address per window.
LOTFLOW_LEAD_FORM_RATE = (
    int(os.environ.get("LOTFLOW_LEAD_FORM_POSTS", "5")),
    int(os.environ.get("LOTFLOW_LEAD_FORM_WINDOW_SECONDS", "600")),
)
# The nightly reclaim sweep runs as this many tasks (workers.tasks.sweep_part), each a share of the prospects.
LOTFLOW_RECLAIM_PARTS = max(1, int(os.environ.get("LOTFLOW_RECLAIM_PARTS", "1")))
# Each part reads and decides prospects this many at a time, one transaction each: fewer, longer transactions
# above it, more and shorter below.
LOTFLOW_RECLAIM_CHUNK = max(1, int(os.environ.get("LOTFLOW_RECLAIM_CHUNK", "2000")))
# Until the routing rules exist, leads go to the pool of this store (by name; first store if unset).
LOTFLOW_DEFAULT_LEAD_STORE = os.environ.get("LOTFLOW_DEFAULT_LEAD_STORE", "")

# --- after-sales and stock processes (return_visit, vehicle_acquisition, vehicle_transfer) ---
# Return visits after a delivery: days after delivery, and days before the first service date.
LOTFLOW_RETURN_VISIT_DAYS = {
    "first": int(os.environ.get("LOTFLOW_RETURN_VISIT_FIRST_DAYS", "3")),
    "second": int(os.environ.get("LOTFLOW_RETURN_VISIT_SECOND_DAYS", "30")),
    "before_service": int(os.environ.get("LOTFLOW_RETURN_VISIT_BEFORE_SERVICE_DAYS", "7")),
}
# A satisfaction score (1-5) at or below this opens a complaint.
LOTFLOW_RETURN_VISIT_LOW_SCORE = int(os.environ.get("LOTFLOW_RETURN_VISIT_LOW_SCORE", "2"))
# An appraisal offering more than this (yuan) needs the store manager's approval.
LOTFLOW_ACQUISITION_APPROVAL_PRICE = int(os.environ.get("LOTFLOW_ACQUISITION_APPROVAL_PRICE", "100000"))
# A transfer of a car worth more than this (yuan), or between regions, also needs hq's approval.
LOTFLOW_TRANSFER_HQ_VALUE = int(os.environ.get("LOTFLOW_TRANSFER_HQ_VALUE", "300000"))

# --- satisfaction surveys (portal/surveys) ---
# The address customers open survey links at (the links go out in messages, made where there is no request).
LOTFLOW_PUBLIC_URL = os.environ.get("LOTFLOW_PUBLIC_URL", "http://localhost:8000")
# A survey link works for this many days after the invitation.
LOTFLOW_SURVEY_LINK_DAYS = int(os.environ.get("LOTFLOW_SURVEY_LINK_DAYS", "14"))
# What invites a customer to a survey: any of delivery, service, complaint (comma-separated; empty: nothing).
LOTFLOW_SURVEY_AFTER = [r for r in os.environ.get("LOTFLOW_SURVEY_AFTER", "delivery,service,complaint").split(",") if r]
# A response whose satisfaction index (0-100) is at or below this opens a complaint (25 = 2 on a 1-5 scale).
LOTFLOW_SURVEY_LOW_INDEX = float(os.environ.get("LOTFLOW_SURVEY_LOW_INDEX", "25"))
# The public survey page: at most this many posts per client address per window (as the lead form).
LOTFLOW_SURVEY_FORM_RATE = (
    int(os.environ.get("LOTFLOW_SURVEY_FORM_POSTS", "10")),
    int(os.environ.get("LOTFLOW_SURVEY_FORM_WINDOW_SECONDS", "600")),
)

# --- customer care: messages to customers (portal/care, docs/care.md) ---
LOTFLOW_CARE: dict[str, Any] = {
    # The SMS gateway: the file backend writes each message under var/ (no provider needed);
    # portal.care.sms.AliyunBackend sends through Alibaba Cloud SMS with the ALIYUN settings below.
    "SMS_BACKEND": os.environ.get("LOTFLOW_SMS_BACKEND", "portal.care.sms.FileBackend"),
    "SMS_OUTBOX_DIR": Path(os.environ.get("LOTFLOW_SMS_OUTBOX_DIR", VAR_DIR / "sms-outbox")),
    "ALIYUN": {
        "ENDPOINT": os.environ.get("LOTFLOW_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
        "ACCESS_KEY_ID": os.environ.get("LOTFLOW_ALIYUN_ACCESS_KEY_ID", ""),
        "ACCESS_KEY_SECRET": os.environ.get("LOTFLOW_ALIYUN_ACCESS_KEY_SECRET", ""),
        "SIGN_NAME": os.environ.get("LOTFLOW_ALIYUN_SMS_SIGN_NAME", ""),
        "REGION": os.environ.get("LOTFLOW_ALIYUN_REGION", "cn-hangzhou"),
        # Message kind -> the provider's approved template code, as JSON: {"survey_invitation": "SMS_123", ...}
        "TEMPLATES": json.loads(os.environ.get("LOTFLOW_ALIYUN_SMS_TEMPLATES", "{}")),
    },
    # The secret in the gateway's callback addresses (/care/hooks/<token>/...); empty: the hooks answer 404.
    "HOOK_TOKEN": os.environ.get("LOTFLOW_CARE_HOOK_TOKEN", ""),
    # Nothing is sent between these local times (a message queued then waits for the end); equal: no quiet hours.
    "QUIET_HOURS": (
        os.environ.get("LOTFLOW_CARE_QUIET_FROM", "21:00"),
        os.environ.get("LOTFLOW_CARE_QUIET_UNTIL", "08:00"),
    ),
    # At most this many messages to one customer per local day; more are not sent (reason: daily cap).
    "DAILY_CAP": int(os.environ.get("LOTFLOW_CARE_DAILY_CAP", "3")),
    # A provider that is unavailable is tried this many times, BACKOFF_SECONDS * 2**n apart, then failed.
    "MAX_ATTEMPTS": int(os.environ.get("LOTFLOW_CARE_MAX_ATTEMPTS", "5")),
    "BACKOFF_SECONDS": int(os.environ.get("LOTFLOW_CARE_BACKOFF_SECONDS", "60")),
}
# E-mail to customers goes through Django's mail backends: set LOTFLOW_EMAIL_BACKEND (and Django's
# EMAIL_HOST...) for SMTP; by default each e-mail is written as a file under var/mail-outbox.
EMAIL_BACKEND = os.environ.get("LOTFLOW_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail-outbox")
EMAIL_HOST = os.environ.get("LOTFLOW_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LOTFLOW_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LOTFLOW_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LOTFLOW_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("LOTFLOW_EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("LOTFLOW_DEFAULT_FROM_EMAIL", "LotFlow <noreply@localhost>")
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "portal.limits.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.crm.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.crm.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LotFlow API",
    "DESCRIPTION": "Leads, customers, communications, follow-up plans, vehicles and orders, under the caller's scope.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"ContactChannelEnum": "portal.crm.models.choices.ContactChannel"},
    # The API's error answers, one shared Error shape (portal/crm/api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.crm.api.schema.error_answers"],
}

# --- content security policy (portal/csp.py) ------------------------------------
LOTFLOW_CSP = os.environ.get(
    "LOTFLOW_CSP",
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# --- cache ------------------------------------------------------------------
# Rate limits (the public lead form) count here, so every process must share it: a folder in var/ on one
# machine; Redis when web processes run on several (LOTFLOW_CACHE_URL=redis://host:6379/1, a database of its own:
# clearing the cache empties that database).
if os.environ.get("LOTFLOW_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["LOTFLOW_CACHE_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- workers --------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND: str | None = REDIS_URL
    if REDIS_URL.startswith("redis://"):
        # kombu's Redis transport with a guard: a worker rides out Redis going away, and the messages it had not
        # acknowledged go back on the queue when Redis answers again (portal/ops/broker.py)
        CELERY_BROKER_TRANSPORT = "portal.ops.broker:Transport"
else:
    # The filesystem transport needs no server and works across processes
    # (web, worker and beat on one machine); memory:// would not.
    _queue_dir = VAR_DIR / "celery"
    for _folder in ("queue", "processed", "control"):  # whichever process sends first needs them
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE  # beat's crontab times are the dealers' local time
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Faults (tests/faults): nobody reads a task's return value, so none is stored (a task finished while Redis is
# away does not fail on it, and beat sends without subscribing to results). Workers and beat reconnect to a
# restarted Redis by themselves, for as long as it takes. A task running when the connection drops runs to its
# end (cancelling it, Celery's future default, failed here and left its work undone until the message came back
# an hour later); its message, not acknowledged, goes back on the queue once Redis answers (portal/ops/broker.py)
# and finds nothing to do.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOTFLOW_LOG_LEVEL", "WARNING")},
}
