"""Newsdesk's one settings module, driven by NEWSDESK_* environment variables.

NEWSDESK_ENV=production switches to production settings, which fail loudly when a required
value is missing. Every variable is documented in the README's configuration table.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Callable
from email.utils import formataddr, getaddresses
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    # Set but empty (`NEWSDESK_HOME=` in an env file) is the default, as the README lists it.
    return os.environ.get(name, "").strip() or default


def env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env(name).split(",") if part.strip())


def env_int(name: str, default: int, *, least: int = 1) -> int:
    return int(_env_number(name, default, int, f"a whole number, {least} or more",
                           lambda number: number >= least))


def env_float(name: str, default: float, *, zero: bool = False) -> float:
    if zero:
        return _env_number(name, default, float, "a number, 0 or more", lambda number: number >= 0)
    return _env_number(name, default, float, "a number above 0", lambda number: number > 0)


def _env_number(name: str, default: float, kind: type[float] | type[int], what: str,
                fits: Callable[[float], bool]) -> float:
    # Out of range is refused too: NEWSDESK_FETCH_TIMEOUT=-1 failed every source's fetch.
    value = env(name)
    if not value:
        return default
    problem = ImproperlyConfigured(f"{name} must be {what}, not {value!r}")
    try:
        number = kind(value)
    except ValueError:
        raise problem from None
    if not math.isfinite(number) or not fits(number):
        raise problem
    return number


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    # Read as false, a typo would turn off what it meant to keep (NEWSDESK_SSL_REDIRECT=ture).
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


PACKAGE_DIR = Path(__file__).resolve().parent
NEWSDESK_ENV = env("NEWSDESK_ENV", "development")
if NEWSDESK_ENV not in {"development", "production"}:
    # A typo ("prod") would otherwise serve the public with debug pages and a known key.
    raise ImproperlyConfigured(
        f"NEWSDESK_ENV must be development or production, not {NEWSDESK_ENV!r}")
PRODUCTION = NEWSDESK_ENV == "production"
HOME = Path(env("NEWSDESK_HOME", "var")).resolve()
MEDIA_ROOT = HOME / "media"
OUTBOX_DIR = HOME / "outbox"
PAGE_CACHE_DIR = HOME / "pagecache"
PAGE_CACHE_ENABLED = env_bool("NEWSDESK_PAGE_CACHE", True)
STATIC_ROOT = HOME / "static"
try:
    HOME.mkdir(parents=True, exist_ok=True)
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request while it is missing
except OSError as exc:
    raise ImproperlyConfigured(f"NEWSDESK_HOME {HOME} cannot be used: {exc.strerror}") from None

SITE_NAME = env("NEWSDESK_SITE_NAME", "Newsdesk Demo")
BASE_URL = env("NEWSDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base_url = urlsplit(BASE_URL)
if _base_url.scheme not in {"http", "https"} or not _base_url.hostname:
    # Without a scheme every link in feeds, mail and the text edition would be relative.
    raise ImproperlyConfigured(
        f"NEWSDESK_BASE_URL must be an http:// or https:// address, not {BASE_URL!r}")
# In credits and the sender's address: a public site's own host, not "localhost".
SITE_DOMAIN = env("NEWSDESK_SITE_DOMAIN",
                  (_base_url.hostname or "") if PRODUCTION else "localhost")

# Debug pages show settings and source code to anyone: production never has them.
DEBUG = not PRODUCTION and env_bool("NEWSDESK_DEBUG", True)
SECRET_KEY = env("NEWSDESK_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("NEWSDESK_SECRET_KEY must be set when NEWSDESK_ENV=production.")
    SECRET_KEY = "development-only-insecure-key-not-for-production"  # noqa: S105
elif PRODUCTION and SECRET_KEY == "replace-with-a-long-random-string":  # noqa: S105
    # deploy/newsdesk.env's example: known to everyone who has read the repository.
    raise ImproperlyConfigured(
        "NEWSDESK_SECRET_KEY is still deploy/newsdesk.env's example; set a random one: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'")

if PRODUCTION and not env("NEWSDESK_BASE_URL"):
    # Else feeds, sitemaps, mail and the text edition would link to http://127.0.0.1:8000.
    raise ImproperlyConfigured("NEWSDESK_BASE_URL must be set when NEWSDESK_ENV=production: the "
                               "site's public address, e.g. https://www.example.org")

_base_host = BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
ALLOWED_HOSTS = list(env_list("NEWSDESK_ALLOWED_HOSTS")) or [_base_host, SITE_DOMAIN.lower()]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "newsdesk.desk",  # before the admin, so the desk's admin templates win
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "newsdesk.sources",
    "newsdesk.articles",
    "newsdesk.site",
    "newsdesk.pressroom",
    "newsdesk.ads",
    "newsdesk.newsletter",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # outside the page cache, so cached pages carry it too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsdesk.site.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: scripts only from this site's own files (there is no inline script
# anywhere), so markup that slipped into an article could still run nothing. Images may come
# from anywhere: a publisher's original is shown until its copies are made. Style attributes
# stay allowed (the desk's admin pages use them). deploy/nginx-newsdesk.conf sends the same
# header with the pages it serves from the page cache; keep the two alike.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": ["*", "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

ROOT_URLCONF = "newsdesk.urls"
WSGI_APPLICATION = "newsdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsdesk.site.context.site",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError:  # the value is not repeated: it may hold a password
        raise ImproperlyConfigured("DATABASE_URL must be a database URL such as "
                                   "postgres://user@host:5432/newsdesk") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": HOME / "db.sqlite3",
            # Writers wait for each other instead of failing with "database is locked". The
            # write-ahead log is copied into the database (a checkpoint, with an fsync) every
            # 40 MB rather than SQLite's 4 MB: an ingest run writes hundreds of MB, and the
            # checkpoints took about a tenth of `make bench-ingest`'s cold update. After one,
            # the log file is cut back to 64 MB at most.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                        "PRAGMA wal_autocheckpoint=10000; "
                                        "PRAGMA journal_size_limit=67108864;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Login throttling: five wrong passwords for one user from one address lock it out for an hour.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("NEWSDESK_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The visitor's address as quotas and ad counting take it: behind a proxy, every request comes
# from the proxy, and five guesses by anyone would lock the account's owner out with them.
AXES_CLIENT_IP_CALLABLE = "newsdesk.site.visitors.client_ip"
AXES_RESET_ON_SUCCESS = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env("NEWSDESK_TIME_ZONE", "UTC")
try:
    ZoneInfo(TIME_ZONE)
except (ValueError, ZoneInfoNotFoundError):
    raise ImproperlyConfigured(
        f"NEWSDESK_TIME_ZONE must be a time zone such as Europe/Paris, not {TIME_ZONE!r}") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

NEWSDESK_WORKERS = env_int("NEWSDESK_WORKERS", 2)  # gunicorn workers of `newsdesk serve`
NEWSDESK_REDIS_URL = env("NEWSDESK_REDIS_URL")
if NEWSDESK_REDIS_URL and urlsplit(NEWSDESK_REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    # Else each source's fetch would fail on it, blamed on the publishers.
    raise ImproperlyConfigured("NEWSDESK_REDIS_URL must start redis://, rediss:// or unix://")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if NEWSDESK_REDIS_URL:
    # Shared by every web process; sessions get their own prefix, so clearing the cache never
    # logs anyone out.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": NEWSDESK_REDIS_URL, "KEY_PREFIX": "newsdesk:cache"},
        "sessions": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": NEWSDESK_REDIS_URL, "KEY_PREFIX": "newsdesk:session"},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"

EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# formataddr quotes a name that has a comma ("News, Views"), which would otherwise split it.
DEFAULT_FROM_EMAIL = env("NEWSDESK_FROM_EMAIL",
                         formataddr((SITE_NAME, f"newsroom@{SITE_DOMAIN.lower()}")))
if len(_senders := getaddresses([DEFAULT_FROM_EMAIL])) != 1 or "@" not in _senders[0][1]:
    # Else every message would be refused on sending, or sent from two addresses.
    raise ImproperlyConfigured("NEWSDESK_FROM_EMAIL must be one address, e.g. "
                               f"'Example News <newsroom@example.org>', not {DEFAULT_FROM_EMAIL!r}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("NEWSDESK_SMTP_URL"):
    # smtp://user:pass@host:25, smtp+tls://… (STARTTLS, port 587), smtps://… (TLS, port 465)
    _smtp = urlsplit(env("NEWSDESK_SMTP_URL"))
    if _smtp.scheme not in {"smtp", "smtp+tls", "smtps"}:
        # Any other scheme would be read as plain smtp: a login sent without encryption.
        raise ImproperlyConfigured("NEWSDESK_SMTP_URL must start smtp://, smtp+tls:// (STARTTLS) "
                                   f"or smtps:// (TLS), not {_smtp.scheme + '://'!r}")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or {"smtp+tls": 587, "smtps": 465}.get(_smtp.scheme, 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_TLS = _smtp.scheme == "smtp+tls"
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
else:
    EMAIL_BACKEND = "newsdesk.newsletter.outbox.EmailBackend"
    EMAIL_FILE_PATH = OUTBOX_DIR

# Newsletter: how long links in mail work, consent records, bulk sending.
NEWSDESK_NEWSLETTER_LINK_DAYS = env_int("NEWSDESK_NEWSLETTER_LINK_DAYS", 90)
NEWSDESK_LOG_IP = env_bool("NEWSDESK_LOG_IP", True)
NEWSDESK_SMTP_CONNECTIONS = env_int("NEWSDESK_SMTP_CONNECTIONS", 4)
NEWSDESK_SMTP_RATE_LIMITS = env("NEWSDESK_SMTP_RATE_LIMITS")  # "*=50,gmail.com=10": messages/s
for _limit in env_list("NEWSDESK_SMTP_RATE_LIMITS"):  # checked here, not mid-send
    _domain, _, _rate = _limit.partition("=")
    try:
        _rate_fits = bool(_domain.strip()) and math.isfinite(float(_rate)) and float(_rate) > 0
    except ValueError:
        _rate_fits = False
    if not _rate_fits:
        raise ImproperlyConfigured("NEWSDESK_SMTP_RATE_LIMITS must be domain=messages per second, "
                                   f"comma-separated, e.g. *=50,gmail.com=10; not {_limit!r}")
NEWSDESK_SMTP_RETRY_SECONDS = env_int("NEWSDESK_SMTP_RETRY_SECONDS", 60)

# Ingest: how politely and how far the fetcher may go.
NEWSDESK_FETCH_TIMEOUT = env_float("NEWSDESK_FETCH_TIMEOUT", 20)
NEWSDESK_FETCH_MAX_BYTES = env_int("NEWSDESK_FETCH_MAX_BYTES", 15 * 1024 * 1024)
NEWSDESK_FETCH_ALLOW_PRIVATE = env_list("NEWSDESK_FETCH_ALLOW_PRIVATE")
for _network in (entry for entry in NEWSDESK_FETCH_ALLOW_PRIVATE if "/" in entry):
    try:  # a mistyped network would be taken as a host name, and allow nothing
        ipaddress.ip_network(_network.strip("[] "), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"NEWSDESK_FETCH_ALLOW_PRIVATE: {_network!r} is not a network "
                                   "such as 10.0.0.0/8") from None
NEWSDESK_FETCH_USER_AGENT = env(
    "NEWSDESK_FETCH_USER_AGENT", f"Newsdesk/0.1 (+{BASE_URL}; feed republisher)"
)
NEWSDESK_POLL_MINUTES = env_int("NEWSDESK_POLL_MINUTES", 30)
NEWSDESK_LEASE_SECONDS = env_int("NEWSDESK_LEASE_SECONDS", 300)
# Processes `newsdesk ingest` shares a large run over (each polls whole hosts): one a core.
NEWSDESK_INGEST_PROCESSES = env_int("NEWSDESK_INGEST_PROCESSES", min(4, os.cpu_count() or 1))
# Politeness, per publisher host and across every worker (Redis-based when Redis is set).
# Behind a proxy, the header that carries the visitor's address (e.g. X-Forwarded-For);
# per-address quotas and ad de-duplication read it. Empty: the connection's own address.
NEWSDESK_CLIENT_IP_HEADER = env("NEWSDESK_CLIENT_IP_HEADER")
NEWSDESK_PR_DAILY_LIMIT = env_int("NEWSDESK_PR_DAILY_LIMIT", 3, least=0)
NEWSDESK_ADS_DEDUP_SECONDS = env_int("NEWSDESK_ADS_DEDUP_SECONDS", 1800, least=0)
NEWSDESK_ADS_CLICK_MAX_AGE = env_int("NEWSDESK_ADS_CLICK_MAX_AGE", 7 * 24 * 3600)
NEWSDESK_HOST_CONCURRENCY = env_int("NEWSDESK_HOST_CONCURRENCY", 2)
NEWSDESK_HOST_SPACING = env_float("NEWSDESK_HOST_SPACING", 0.1, zero=True)

# Jobs: in this process by default; on Celery workers when a broker is set (docs/scaling.md).
NEWSDESK_BROKER_URL = env("NEWSDESK_BROKER_URL")
NEWSDESK_INGEST_EVERY = env_float("NEWSDESK_INGEST_EVERY", 60)  # seconds between beat's claims
NEWSDESK_INGEST_BATCH = env_int("NEWSDESK_INGEST_BATCH", 25)  # sources one task claims
CELERY_BROKER_URL = NEWSDESK_BROKER_URL or "memory://"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("NEWSDESK_QUEUE", "newsdesk")
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a busy worker holds no queued task another could run
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "ingest-due-sources": {"task": "newsdesk.sources.ingest_due_batch",
                           "schedule": NEWSDESK_INGEST_EVERY},
    "alert-editors": {"task": "newsdesk.sources.alert_editors", "schedule": 3600.0},
    "publish-due-press-releases": {"task": "newsdesk.pressroom.publish_due", "schedule": 60.0},
    "send-newsletters": {"task": "newsdesk.newsletter.send", "schedule": 3600.0,
                         "args": (["daily", "weekly"],)},
}

LOG_LEVEL = env("NEWSDESK_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"NEWSDESK_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "newsdesk": {"handlers": ["console"], "level": LOG_LEVEL},
        "django": {"handlers": ["console"], "level": "WARNING"},
        # A line for every request to a publisher, in a Celery worker's log at INFO: only
        # when debugging.
        "httpx": {"level": "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"},
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("NEWSDESK_SSL_REDIRECT", True)
    if not SECURE_SSL_REDIRECT:
        # Turned off because the proxy in front redirects (deploy/nginx.conf does): the deploy
        # check's warning is about a redirect that is there.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("NEWSDESK_HSTS_SECONDS", 31536000, least=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
