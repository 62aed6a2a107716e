"""Django settings for Rapport, read from the environment (DESIGN.md, runtime contract)."""

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
RAPPORT_HOME = Path(os.environ.get("RAPPORT_HOME") or os.getcwd()).resolve()
VAR_DIR = RAPPORT_HOME / "var"


def _ensure_var() -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("RAPPORT_SECRET_KEY")
    if key:
        return key
    _ensure_var()
    path = VAR_DIR / "secret-key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _secret_key()
DEBUG = _bool("RAPPORT_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("RAPPORT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
if os.environ.get("PYTEST_CURRENT_TEST") is not None or _bool("RAPPORT_TESTING"):
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rapport.security",
    "rapport.core",
    "rapport.core.search",
    "rapport.core.jobs",
    "rapport.customers",
    "rapport.activities",
    "rapport.sales",
    "rapport.duplicates",
    "rapport.dataio",
    "rapport.pool",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rapport.core.middleware.UserLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rapport.core.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rapport.security.middleware.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.core.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'rapport.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or _default_sqlite
if DATABASE_URL.startswith("sqlite"):
    _ensure_var()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("RAPPORT_CONN_MAX_AGE", "0")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout so a web process and a worker can share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("RAPPORT_TEST_SQLITE_NAME") or None}
else:
    # Client-side binding only: server-side prepared statements make PostgreSQL reuse generic
    # plans that are 100x slower for short search patterns (PERFORMANCE.md).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "security.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_AGE = int(os.environ.get("RAPPORT_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if _bool("RAPPORT_HTTPS"):
    # Behind a TLS-terminating proxy (docs/deploy.md): secure cookies, HSTS, the proxy's scheme header.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("RAPPORT_HSTS_SECONDS", "31536000"))
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("RAPPORT_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("ru", "Русский"),
    ("hu", "Magyar"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["rapport.formats"]
TIME_ZONE = "UTC"

# --- files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
if _bool("RAPPORT_STATIC_MANIFEST"):
    # Production (`rapport serve`/`demo` set it): hashed names cached for a year, gzip/brotli copies.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
STATIC_ROOT = VAR_DIR / "static"
if VAR_DIR.exists():
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
_node_modules = Path(os.environ.get("RAPPORT_NODE_MODULES", PACKAGE_DIR.parent.parent / "node_modules"))
if _node_modules.exists():
    STATICFILES_DIRS.append(("vendor", _node_modules))
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("RAPPORT_MEDIA_ROOT") or (VAR_DIR / "media"))
MAX_UPLOAD_MB = int(os.environ.get("RAPPORT_MAX_UPLOAD_MB", "25"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Test runs (RAPPORT_TESTING) default to optional; the tests of SEC-8 switch it on themselves.
ADMIN_MFA = os.environ.get("RAPPORT_ADMIN_MFA", "optional" if _bool("RAPPORT_TESTING") else "required")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rapport.core.api.authentication.BearerTokenAuthentication",
        "rapport.core.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "rapport.core.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": "The Rapport CRM REST API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "DISABLE_ERRORS_AND_WARNINGS": True,
}

# --- background work ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- e-mail ---------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL")
if EMAIL_URL:
    from urllib.parse import parse_qs, unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    _query = parse_qs(_mail.query)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "127.0.0.1"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _query.get("tls", ["0"])[0] in {"1", "true"}
    EMAIL_USE_SSL = _query.get("ssl", ["0"])[0] in {"1", "true"}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("RAPPORT_FROM_EMAIL", "rapport@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "json": {"()": "rapport.core.logs.JsonFormatter"}},
    # RAPPORT_LOG_FORMAT=json: one JSON object a line (production log shippers); plain otherwise.
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if os.environ.get("RAPPORT_LOG_FORMAT") == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RAPPORT_LOG_LEVEL", "WARNING")},
}

RAPPORT_BASE_CURRENCY = os.environ.get("RAPPORT_BASE_CURRENCY", "USD")
