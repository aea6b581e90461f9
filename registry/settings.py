"""Settings for the Silk Road Cooperation Registry.

Everything that differs between a laptop and production comes from the environment:
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, REDIS_URL, the proxy, e-mail and lockout
settings (README, "Configuration"). The defaults are for a quick start on an embedded SQLite
database; production sets real values and `manage.py check --deploy` reports nothing.
"""

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", True)
# The development key is only ever used with DEBUG on; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-silk-road-registry-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "registry.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "registry",
    "accounts",
    "projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that could read the body (sessions, CSRF, the API's parsers).
    "registry.middleware.BodySizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed its second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # After authentication: the request's transaction tells PostgreSQL who is asking (RLS).
    "registry.middleware.RowLevelSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # People in MFA_REQUIRED_ROLES enrol before anything else; signed-in answers are private.
    "accounts.pages.middleware.TwoFactorRequiredMiddleware",
    "registry.middleware.PrivateCacheMiddleware",
]

ROOT_URLCONF = "registry.urls"
WSGI_APPLICATION = "registry.wsgi.application"
ASGI_APPLICATION = "registry.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registry.context_processors.actor",
            ],
            # The apps' tag libraries are part of their pages (accounts/pages/templatetags/,
            # projects/pages/templatetags/), below no other face, so they are named here
            # rather than found in an app-level templatetags/ folder.
            "libraries": {
                "accounts_tags": "accounts.pages.templatetags.accounts_tags",
                "record_tags": "projects.pages.templatetags.record_tags",
                "registry_pages": "projects.pages.templatetags.registry_pages",
            },
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the embedded quick-start database: wait for a writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several sites (or test runs) may share one Redis: each keeps its own keys.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "registry"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail (notifications, freshness reminders). With EMAIL_HOST set the default backend is SMTP;
# without, mail is printed to the console (development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)  # STARTTLS, port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, port 465; not with EMAIL_USE_TLS
if EMAIL_USE_SSL:
    EMAIL_USE_TLS = False
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "registry@silkroad-registry.example")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Production hardening: on whenever DEBUG is off, so `check --deploy` is clean.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Trust a proxy's "this came over https" header only when the operator says a proxy sets it
# (and strips it from clients): SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO. Trusted by
# default, any client could claim https and skip the redirect.
SECURE_PROXY_SSL_HEADER = (
    (os.environ["SECURE_PROXY_SSL_HEADER"].strip(), "https")
    if os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
    else None
)
# Load balancers probe over plain HTTP; the probes answer there instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "registry.api.schema.RegistryAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["registry.api.renderers.RegistryJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["registry.api.parsers.LimitedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "registry.api.renderers.RegistryContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.RegistryCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["registry.api.throttling.RegistryRateThrottle"],
    "EXCEPTION_HANDLER": "registry.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of the app whose X-Forwarded-For may be trusted for throttling anonymous
    # clients by address; 0 uses the connection's address, so the header cannot be spoofed.
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
}
# Requests per API key, per signed-in user (session) and per anonymous address.
API_THROTTLE_RATES = {
    "key": os.environ.get("API_THROTTLE_KEY", "2400/minute"),
    "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
    "anon": os.environ.get("API_THROTTLE_ANON", "600/minute"),
}
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", "1000000"))
# Bulk import (docs/import.md): the largest file, and where the page keeps one until confirmed.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
IMPORT_UPLOAD_DIR = os.environ.get("IMPORT_UPLOAD_DIR", "")
# Pages' form bodies (files excluded); never below the API's limit, so that the API's JSON 413
# is the answer for every API body over its limit (registry.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, API_MAX_BODY_BYTES)

# Lockout after repeated failures (SPEC 6; docs/security.md): API keys per address
# (registry.api.authentication); sign-in below, under "Sign-in lockout".
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 30)

# Content-Security-Policy (django-csp): scripts and styles only from the site's own files, no
# inline code, no plugins, no framing, forms post only here. Images may be data: URIs (the API
# docs' icons). The API docs load their start-up script as a file (SpectacularSwaggerSplitView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Silk Road Cooperation Registry API",
    "DESCRIPTION": (
        "Flagship projects, cooperation zones and contacts of the China - Central Asia tourism "
        "cooperation, reviewed and published. See docs/api.md for a guide."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "accounts.models.OrganizationKind",
        "ZoneKindEnum": "projects.choices.ZoneKind",
        "ContactKindEnum": "projects.choices.ContactKind",
        "RelationKindEnum": "projects.choices.RelationKind",
        "ProjectLifecycleEnum": "projects.choices.ProjectLifecycle",
        "ZoneLifecycleEnum": "projects.choices.ZoneLifecycle",
        "CountryCodeEnum": "projects.api.serializers.COUNTRY_CODE_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api.schema.add_error_responses",
    ],
    "AUTHENTICATION_WHITELIST": [
        "accounts.api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- E-mail from templates; invitations (issue 17, registry/mail.py) --------------------------
# EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes each message to a file in
# EMAIL_FILE_PATH, so that operators and tests can read what was sent.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "sent-mail"))

# --- Several machines (issue 19): read replicas and stateless app servers --------------------
# DATABASE_REPLICA_URLS: comma-separated URLs of streaming replicas; each becomes an alias
# (replica1, replica2, ...) that registry.db_router sends reads to.
DATABASE_REPLICAS = []
for _number, _url in enumerate(
    [u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()], 1
):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url,
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    # A stopped replica must cost a request no more than a moment before the primary answers.
    DATABASES[_alias].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read "the replica" from the test database itself.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["registry.db_router.PrimaryReplicaRouter"]
# After a user wrote, their reads stay on the primary this long (read-your-writes).
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)
# A replica found unreachable is not tried again by that process for this long.
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 5)
# Sessions: with a shared cache (Redis) in the cache, written through to the database, so any
# app server reads them at once and a cache restart signs nobody out.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# A request waits this long for the primary to accept a connection (a restart) before failing.
DATABASE_CONNECT_RETRY_SECONDS = env_int("DATABASE_CONNECT_RETRY_SECONDS", 2)
# Reads skip a replica more than this many seconds behind (0: never skip for lag); each process
# measures a replica's lag at most every REPLICA_LAG_CHECK_SECONDS.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
REPLICA_LAG_CHECK_SECONDS = env_int("REPLICA_LAG_CHECK_SECONDS", 5)

# --- Issue 17: sign-in lockout, two-factor sign-in, password reset, anonymous bodies ----------
# Sign-in lockout (accounts.domain.lockout): LOCKOUT_FAILURES per username for clients without
# its device cookie, per device for those with one; an address alone after this many failures,
# all within LOCKOUT_MINUTES.
LOCKOUT_ADDRESS_FAILURES = env_int("LOCKOUT_ADDRESS_FAILURES", 50)
# Two-factor sign-in (accounts.domain.two_factor): who must enrol. Empty: nobody is forced.
MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "admin,reviewer,platform_admin")
OTP_TOTP_ISSUER = "Silk Road Registry"
# A password reset link works for an hour.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
# Bodies of requests without a signed-in session: refused from Content-Length, before reading.
ANONYMOUS_MAX_BODY_BYTES = env_int("ANONYMOUS_MAX_BODY_BYTES", 1_000_000)

# Import uploads (issue 17, finding 4): how many checked files one person may keep waiting for
# confirmation; the oldest goes when a new one comes. Refused uploads are deleted at once.
IMPORT_MAX_PENDING_UPLOADS = env_int("IMPORT_MAX_PENDING_UPLOADS", 3)

# --- Open data (issue 20): links in the exports and the catalogue, licence, published dumps ---
# The site's public address: absolute links in GeoJSON, the DCAT catalogue, sitemap and dumps.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# The licence of the published data (a URI; CC BY 4.0 unless said otherwise).
OPEN_DATA_LICENSE = os.environ.get(
    "OPEN_DATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/"
)
# Where `manage.py build_dumps` writes the published dumps, served under /data/.
OPEN_DATA_DUMPS_DIR = Path(os.environ.get("OPEN_DATA_DUMPS_DIR", str(BASE_DIR / "dumps")))

# --- Jobs (issue 19): Celery with Redis as the broker, results as rows (registry.models.Job) ----
# Without REDIS_URL (the `make run` quick start) a job runs in-process at once, so nothing more
# needs starting; with it, `make worker` and `make beat` run the queue and the scheduler.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True  # the job's row is the result (registry.models.Job)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-job leaves its message to the next worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after this many seconds (longer than any job). A
# worker looks for such messages every interval x throttle seconds (kombu's defaults: 10 x 10).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_RESTORE_THROTTLE", 10),
}
CELERY_TIMEZONE = "UTC"
# The queue this site's jobs go to (several sites or test runs may share one Redis).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "registry")
CELERY_BEAT_SCHEDULE = {
    "freshness-reminders": {
        "task": "projects.io.jobs.send_freshness_reminders",
        "schedule": env_int("REMINDERS_EVERY_SECONDS", 24 * 3600),
    },
    "old-job-files": {
        "task": "projects.io.jobs.remove_old_job_files",
        "schedule": 24 * 3600,
    },
    # The published dumps under /data/ (issue 20; `manage.py build_dumps` does the same).
    "open-data-dumps": {
        "task": "projects.io.jobs.build_dumps",
        "schedule": env_int("DUMPS_EVERY_SECONDS", 24 * 3600),
    },
}
# Where import uploads wait for their job and export jobs write their files (shared storage
# when workers run on other machines).
JOB_FILES_ROOT = Path(os.environ.get("JOB_FILES_ROOT", str(BASE_DIR / "media" / "jobs")))
# Export files and unclaimed uploads are removed after this many days (daily, on beat).
JOB_FILES_KEEP_DAYS = env_int("JOB_FILES_KEEP_DAYS", 7)
# A running job whose row has not moved for this long is taken to be lost with its worker; the
# redelivered message may then run it again (its work is one transaction: nothing was kept).
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 600)
# Uploads above this size are imported by a job (202 Accepted); smaller ones in the request.
IMPORT_JOB_THRESHOLD_BYTES = env_int("IMPORT_JOB_THRESHOLD_BYTES", 256 * 1024)
# A streamed export of more rows than this is refused (413) and points to export-jobs, so that
# no stream can reach the gunicorn worker timeout and be cut off.
EXPORT_STREAM_MAX_ROWS = env_int("EXPORT_STREAM_MAX_ROWS", 100_000)
# Partner webhooks (issue 19; projects/domain/webhooks.py). Private and loopback targets only
# when WEBHOOK_ALLOW_PRIVATE=1 (tests, closed networks). A subscription is paused, and its
# owner told, after WEBHOOK_PAUSE_AFTER failed attempts in a row.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_PAUSE_AFTER = env_int("WEBHOOK_PAUSE_AFTER", 15)

# --- Issue 17 loose ends: password reset requests per hour ----------------------------------
# At most this many reset requests for one e-mail, and from one client address (higher: an office
# shares one address), within an hour; past either, the page answers the same and sends nothing.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5)
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 20)

# Documents as files on records (issue 18; projects/domain/documents.py). Stored through
# Django's storage API: `STORAGES["documents"]`, the file system under DOCUMENT_STORAGE_ROOT by
# default; another backend (an S3-compatible store through django-storages: the `s3` extra)
# is named by DOCUMENT_STORAGE_BACKEND, with its options as JSON in DOCUMENT_STORAGE_OPTIONS.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
DOCUMENT_STORAGE_ROOT = Path(
    os.environ.get("DOCUMENT_STORAGE_ROOT", str(BASE_DIR / "media" / "documents"))
)
STORAGES["documents"] = {
    "BACKEND": os.environ.get(
        "DOCUMENT_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": (
        {"location": str(DOCUMENT_STORAGE_ROOT)}
        if "DOCUMENT_STORAGE_BACKEND" not in os.environ
        else json.loads(os.environ.get("DOCUMENT_STORAGE_OPTIONS") or "{}")
    ),
}
