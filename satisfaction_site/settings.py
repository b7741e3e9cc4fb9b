"""Settings for Satisfaction, read from the environment only (django-environ).

With no environment at all you get the embedded defaults: DEBUG on, a SQLite
file in var/, Celery tasks run eagerly in-process, email to the console.
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

env = environ.Env()
# Optional .env file for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
MIN_SECRET_KEY_LENGTH = 50  # what Django's deploy check asks for; a short key can be guessed
SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG and (
    len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        f"SECRET_KEY is missing, known or too weak: with DEBUG off it must be a random string of at least "
        f"{MIN_SECRET_KEY_LENGTH} characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "auditlog",
    "axes",
    "csp",
    "core",
    "satisfaction",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last, as django-axes asks: it turns a sign-in made while locked out into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "satisfaction_site.urls"
WSGI_APPLICATION = "satisfaction_site.wsgi.application"
ASGI_APPLICATION = "satisfaction_site.asgi.application"

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
                "core.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'satisfaction.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and an eager/worker write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords in a row for one username, or from one address,
# every sign-in of it — the login page, the admin, the API token endpoint — is refused, the right password too, until
# the cool-off has passed or an administrator deletes the access attempt in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
# The client address, for the lockout, the API throttles and the survey limits alike (core/client_address.py):
# by default no forwarded header is believed; behind N reverse proxies of ours set NUM_PROXIES=N, or name them.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT must be at least 1.")

# Headers. Scripts only from our own static files (no inline script, no eval): templates ask for behaviour with
# data- attributes that static/js/app.js implements. Styles allow inline `style=""` (Tailwind utilities cover most,
# a few widths are computed per row; htmx adds its indicator style), which cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = env.str("REFERRER_POLICY", default="same-origin")
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="camera=(), microphone=(), geolocation=(), payment=(), usb=(), magnetometer=(), gyroscope=(), "
    "accelerometer=(), interest-cohort=()",
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The CSRF token reaches htmx through the page (hx-headers), so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on with OpenID Connect (mozilla-django-oidc; docs/sso.md). Off while OIDC_RP_CLIENT_ID is empty, so a
# developer machine signs in with passwords only. The provider is found through its discovery document (issuer or
# discovery URL) or through the four endpoints given one by one; the roles come from one claim, mapped value → group.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
SSO_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="").rstrip("/")
OIDC_OP_DISCOVERY_URL = env.str("OIDC_OP_DISCOVERY_URL", default="") or (
    f"{OIDC_OP_ISSUER}/.well-known/openid-configuration" if OIDC_OP_ISSUER else ""
)
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="SSO")
OIDC_ROLES_CLAIM = env.str("OIDC_ROLES_CLAIM", default="groups")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={"manager": "manager", "staff": "staff"})
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
LOGIN_REDIRECT_URL_FAILURE = "login"
if SSO_ENABLED:
    _missing = [] if OIDC_RP_CLIENT_SECRET else ["OIDC_RP_CLIENT_SECRET"]
    if not OIDC_OP_DISCOVERY_URL:
        _missing += [
            name
            for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT")
            if not globals()[name]
        ]
        if OIDC_RP_SIGN_ALGO[:2] in ("RS", "ES") and not OIDC_OP_JWKS_ENDPOINT:
            _missing.append("OIDC_OP_JWKS_ENDPOINT")
    if _missing:
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set, so single sign-on is on, but these are missing: "
            + ", ".join(_missing)
            + " (give OIDC_OP_ISSUER or OIDC_OP_DISCOVERY_URL instead of the endpoints)."
        )
    _bad_roles = sorted(set(OIDC_ROLE_MAP.values()) - {"manager", "staff"})
    if _bad_roles:
        raise ImproperlyConfigured(
            f"OIDC_ROLE_MAP maps claim values to {', '.join(_bad_roles)}: the roles are manager and staff "
            "(e.g. OIDC_ROLE_MAP=cx-leads=manager,cx-agents=staff)."
        )
    # After the lockout backend, so a locked-out address cannot sign in through the provider either.
    AUTHENTICATION_BACKENDS.append("core.sso.backend.SsoBackend")

# Internationalisation: English and Simplified Chinese, times shown in TIME_ZONE.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our number formats over Django's per locale (a thousands separator in Chinese too: formats/zh_Hans).
FORMAT_MODULE_PATH = ["satisfaction_site.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# Uploaded import files and their error reports hold customer data: deleted this many days after the job finished.
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=30)
# Personal data: free text (comments, notes) older than this many days is emptied every night; unset or 0 keeps it.
PERSONAL_TEXT_RETENTION_DAYS = env.int("PERSONAL_TEXT_RETENTION_DAYS", default=0) or None
if PERSONAL_TEXT_RETENTION_DAYS is not None and PERSONAL_TEXT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("PERSONAL_TEXT_RETENTION_DAYS must be a whole number of days, at least 1 (or unset).")
# Recovery cases: a dissatisfied response is due for a call-back this long after it came in; the owner is reminded
# this long before; responses older than RECOVERY_MAX_AGE_DAYS when they are recorded (history) open no case.
RECOVERY_DUE_HOURS = env.int("RECOVERY_DUE_HOURS", default=48)
RECOVERY_REMINDER_HOURS = env.int("RECOVERY_REMINDER_HOURS", default=24)
RECOVERY_MAX_AGE_DAYS = env.int("RECOVERY_MAX_AGE_DAYS", default=30)
# Public survey pages, per 10 minutes: requests to one link's form (its unsubscribe page counts apart), requests from
# one client address over all links (looser: customers behind one company proxy share it), answers sent per link.
SURVEY_RATE_PER_LINK = env.int("SURVEY_RATE_PER_LINK", default=30)
SURVEY_RATE_PER_ADDRESS = env.int("SURVEY_RATE_PER_ADDRESS", default=600)
SURVEY_RATE_ANSWERS_PER_LINK = env.int("SURVEY_RATE_ANSWERS_PER_LINK", default=10)
# Agents: the fewest ratings a handler needs before the Agents page and API give them a rank.
AGENT_MIN_N = env.int("AGENT_MIN_N", default=10)
if IMPORT_FILE_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("IMPORT_FILE_RETENTION_DAYS must be a whole number of days, at least 1.")
# Bounds of one import: a file past this many rows, or still being read after this many seconds, is refused whole
# with a message naming the limit; a running job whose process has not reported for IMPORT_STALE_SECONDS is dead.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
IMPORT_MAX_SECONDS = env.int("IMPORT_MAX_SECONDS", default=1800)
IMPORT_STALE_SECONDS = env.int("IMPORT_STALE_SECONDS", default=600)
if min(IMPORT_MAX_ROWS, IMPORT_MAX_SECONDS, IMPORT_STALE_SECONDS) < 1:
    raise ImproperlyConfigured("IMPORT_MAX_ROWS, IMPORT_MAX_SECONDS and IMPORT_STALE_SECONDS must be at least 1.")

# Without a broker, an uploaded file is imported in a background thread of the web process, so the upload returns at
# once and the page shows the progress bar (with a broker, a Celery worker runs it).
IMPORT_IN_BACKGROUND = env.bool("IMPORT_IN_BACKGROUND", default=not env.str("CELERY_BROKER_URL", default=""))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="satisfaction@localhost")
# Where django.core.mail.backends.filebased.EmailBackend writes (a mail drop for staging and the worker tests).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# Alert e-mails wait in the outbox (admin: Alert e-mails) and are retried with backoff, up to this many attempts.
ALERT_EMAIL_MAX_ATTEMPTS = env.int("ALERT_EMAIL_MAX_ATTEMPTS", default=20)

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker the web process runs the beat schedule itself (satisfaction/schedules): a thread started with
# runserver's or gunicorn's worker process, one run per job and due time across processes. A broker turns it off.
SCHEDULER_EMBEDDED = not CELERY_BROKER_URL and env.bool("SCHEDULER_EMBEDDED", default=True)
SCHEDULER_TICK_SECONDS = env.int("SCHEDULER_TICK_SECONDS", default=20)
# A crontab job whose due time passed longer ago than this (the site was down) waits for its next one.
SCHEDULER_CATCH_UP_MINUTES = env.int("SCHEDULER_CATCH_UP_MINUTES", default=60)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task is acknowledged after it ran, so a worker that dies mid-task leaves it for another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when the broker is down: fail fast, the sweep catches up.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

# The cache holds the API throttles and the survey rate limits, which must count across every web process: Redis
# when CACHE_URL is set (or, failing that, the Redis broker), process memory otherwise (one process, development).
CACHE_URL = env.str("CACHE_URL", default="") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
if CACHE_URL:
    # A Redis outage must not fail pages: the backend answers as an empty cache, after at most half a second.
    CACHES = {
        "default": {
            **env.cache_url_config(CACHE_URL),
            "BACKEND": "core.cache.FailOpenRedisCache",
            "KEY_PREFIX": "satisfaction",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "satisfaction"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    # A service's ValidationError answers 400 naming each field; a lost race on a unique key answers 409.
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    # Writes are throttled per user, token requests per client address (core/api/throttling.py).
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "writes": env.str("API_WRITE_RATE", default="600/minute"),
        "token": env.str("API_TOKEN_RATE", default="20/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Satisfaction API",
    "DESCRIPTION": "Customer satisfaction records, analytics, alerts and improvement measures.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One name for the high/medium/low choice set shared by urgency, ticket priority and priorities.
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "core.db.Level",
        "AlertStatusEnum": "satisfaction.alerts.models.SatisfactionAlert.Status",
        "SuggestionStatusEnum": "satisfaction.improvements.models.ImprovementSuggestion.Status",
        "MeasureStatusEnum": "satisfaction.improvements.models.ImprovementMeasure.Status",
        "TaskStatusEnum": "satisfaction.improvements.models.ImprovementTask.Status",
        "ImportKindEnum": "satisfaction.imports.models.ImportKind",
        "AlertKindEnum": "satisfaction.alerts.models.SatisfactionAlert.Kind",
        "RecordChannelEnum": "satisfaction.feedback.models.SatisfactionRecord.Channel",
        "ContactChannelEnum": "satisfaction.recovery.models.ContactAttempt.Channel",
    },
}

AUDITLOG_INCLUDE_ALL_MODELS = False

# Production hardening, switched on whenever DEBUG is off.
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
