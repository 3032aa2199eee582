"""Settings for the whole project, read from environment variables.

With nothing set, the project runs on a laptop: SQLite file database, Celery tasks run eagerly
in process, e-mail to the console, Stripe off. ``DJANGO_ENV=production`` switches on the
production shape, which refuses to start without its secrets. README.md lists every variable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from klout.env import (
    env_bool,
    env_int,
    env_list,
    env_required,
    env_str,
    parse_database_url,
)
from klout.schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = (env_str("DJANGO_ENV", "development") or "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV={DJANGO_ENV!r} is not known: use 'development' (default) or 'production'."
    )
IS_PRODUCTION = DJANGO_ENV == "production"

# --- Core -----------------------------------------------------------------------------------
if IS_PRODUCTION:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY", "production refuses to start without it.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "The environment variable DJANGO_ALLOWED_HOSTS must be set in production "
            "(comma-separated host names)."
        )
    DEBUG = False
else:
    # A development-only key: it signs nothing that leaves this laptop.
    SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    DEBUG = env_bool("DJANGO_DEBUG", True)

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The key of the keyed hash that names people who are not members (anonymous actors). It must
# not change once actions are stored, so production asks for it explicitly rather than deriving
# it from SECRET_KEY (which may be rotated).
if IS_PRODUCTION:
    ACTOR_HASH_KEY = env_required("ACTOR_HASH_KEY", "it keys the hash of anonymous actors.")
else:
    ACTOR_HASH_KEY = (
        env_str("ACTOR_HASH_KEY")
        or hashlib.sha256(b"klout-dev-actor-hash:" + SECRET_KEY.encode()).hexdigest()
    )

# The key that seals network sessions stored in the database (core/sealing.py). Changing it
# makes stored sessions unreadable: members would have to connect their networks again.
if IS_PRODUCTION:
    NETWORK_TOKEN_KEY = env_required("NETWORK_TOKEN_KEY", "it encrypts stored network sessions.")
else:
    NETWORK_TOKEN_KEY = (
        env_str("NETWORK_TOKEN_KEY")
        or hashlib.sha256(b"klout-dev-network-token:" + SECRET_KEY.encode()).hexdigest()
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.twitter_oauth2",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.openid_connect",
    "core",
    "scoring",
    "campaigns",
    "perks",
    "klout",  # last: its admin registers over the apps' own
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "klout.urls"
WSGI_APPLICATION = "klout.wsgi.application"
ASGI_APPLICATION = "klout.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campaigns.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = (
    env_required("DATABASE_URL", "production runs on PostgreSQL, not the SQLite file.")
    if IS_PRODUCTION
    else env_str("DATABASE_URL")
)
if _database_url:
    DATABASES = {"default": parse_database_url(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
            # Wait for a writer rather than failing with "database is locked" at once.
            "OPTIONS": {"timeout": 20},
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60 if IS_PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Services own their transactions (see STYLE.md).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------------------------
# Shared by every process in production (import progress, rate limits); per process by default.
_cache_url = (
    env_required("CACHE_URL", "rate limits and import progress must be shared by all processes.")
    if IS_PRODUCTION
    else env_str("CACHE_URL")
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Authentication (django-allauth) -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Klout Fair] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if IS_PRODUCTION else "http"
ACCOUNT_ADAPTER = "core.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "scoring.adapters.SocialAccountAdapter"
# Behind the proxy, the client address is the last X-Forwarded-For hop the proxy added.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 1 if IS_PRODUCTION else 0)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {}

FACEBOOK_GRAPH_URL = env_str("FACEBOOK_GRAPH_URL") or "https://graph.facebook.com/v21.0"


def _app(id_name: str, secret_name: str, label: str, **extra) -> dict:
    """A provider's app from the environment; its secret is required once its id is set."""
    client_id, secret = env_required(id_name, f"{label} id."), env_required(secret_name, label)
    return {"client_id": client_id, "secret": secret, **extra}


# Each social provider is switched on only when its credentials are set.
if env_str("TWITTER_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["twitter_oauth2"] = {
        "APPS": [_app("TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET", "X/Twitter OAuth 2")],
        # Read-only, and offline.access for a refresh token: the daily sync runs without the
        # member, long after the two-hour access token has expired.
        "SCOPE": ["tweet.read", "users.read", "like.read", "offline.access"],
    }
if env_str("FACEBOOK_APP_ID"):
    SOCIALACCOUNT_PROVIDERS["facebook"] = {
        "APPS": [_app("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET", "Facebook app")],
        "SCOPE": ["public_profile"],  # a page's permissions are asked when one is connected
        "METHOD": "oauth2",
        "GRAPH_API_URL": FACEBOOK_GRAPH_URL,
    }
if env_str("LINKEDIN_CLIENT_ID"):
    linkedin = {"provider_id": "linkedin", "name": "LinkedIn"}
    linkedin["settings"] = {"server_url": "https://www.linkedin.com/oauth"}
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [_app("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET", "LinkedIn", **linkedin)]
    }

# --- API ------------------------------------------------------------------------------------
# Covering indexes (INCLUDE) serve targeting on PostgreSQL; SQLite builds them without the
# extra columns, which is fine for a laptop.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call gets 401 with "WWW-Authenticate: Token".
        "core.authentication.TokenAuthentication",  # DRF's, a view may find the token itself
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_USER_RATE", "600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Klout Fair API",
    "DESCRIPTION": "An open, fair influence score and perks marketplace.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = (
    env_required("CELERY_BROKER_URL", "production runs tasks on workers, not in the web process.")
    if IS_PRODUCTION
    else env_str("CELERY_BROKER_URL") or ""
)
# With no broker, tasks run eagerly in process: the laptop shape needs no services.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE  # klout/schedule.py: what runs when

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(BASE_DIR / "var" / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Klout Fair <no-reply@localhost>")
# The site's public address, for links in e-mails (invitations) and Stripe's return URLs.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Mail leaves through a Celery task, so a slow SMTP server never holds up a request.
EMAIL_VIA_CELERY = env_bool("EMAIL_VIA_CELERY", True)

# --- Stripe ---------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY") or ""
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET") or ""
STRIPE_API_BASE = env_str("STRIPE_API_BASE") or ""  # tests point the library at a local fake
STRIPE_ENABLED = bool(STRIPE_SECRET_KEY)
if STRIPE_ENABLED and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: webhooks could not be verified."
    )

# --- Live networks ---------------------------------------------------------------------------
# Bluesky's public AppView (reads, no login), its entryway (sign-in sessions) and Jetstream (the
# live stream). Tests and staging point them at local fakes.
BLUESKY_APPVIEW_URL = env_str("BLUESKY_APPVIEW_URL") or "https://public.api.bsky.app"
BLUESKY_SERVICE_URL = env_str("BLUESKY_SERVICE_URL") or "https://bsky.social"
BLUESKY_JETSTREAM_URL = (
    env_str("BLUESKY_JETSTREAM_URL") or "wss://jetstream2.us-east.bsky.network/subscribe"
)
SYNC_NOW_INTERVAL_MINUTES = env_int("SYNC_NOW_INTERVAL_MINUTES", 15)
# Posts whose engagement (likes, reposts, replies ...) a sync reads at once (a few requests in
# flight); 1 reads one request at a time.
SYNC_CONCURRENCY = max(env_int("SYNC_CONCURRENCY", 4), 1)
# X's API and Facebook's Graph API (FACEBOOK_GRAPH_URL, above): tests point them at fakes.
X_API_URL = env_str("X_API_URL") or "https://api.x.com"
# Blogs are read from addresses members type: private and loopback ones are refused (nobody
# may make the site read its own network); Mastodon instances are https. Tests relax both.
BLOG_ALLOW_PRIVATE = env_bool("BLOG_ALLOW_PRIVATE", False)
MASTODON_ALLOW_HTTP = env_bool("MASTODON_ALLOW_HTTP", False)
if IS_PRODUCTION and (BLOG_ALLOW_PRIVATE or MASTODON_ALLOW_HTTP):
    raise ImproperlyConfigured("BLOG_ALLOW_PRIVATE and MASTODON_ALLOW_HTTP are for tests only.")

# --- Internationalisation, static files -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production, serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)

# Messages live in the session, not in a cookie: one of them shows a new API token once.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the API's session clients read it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # /healthz is probed over plain HTTP by the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per request to a network (with its URL): only failures are worth a line.
        "httpx": {"level": "WARNING"},
    },
}

# --- Product settings -----------------------------------------------------------------------
# How long health checks wait for the broker before calling it unreachable.
HEALTHZ_BROKER_TIMEOUT_SECONDS = float(env_str("HEALTHZ_BROKER_TIMEOUT_SECONDS", "2") or 2)
SITE_NAME = "Klout Fair"
# Largest file a member (their own archive) and site staff (bulk files) may upload, in bytes.
IMPORT_MEMBER_MAX_BYTES = env_int("IMPORT_MEMBER_MAX_BYTES", 100 * 1024 * 1024)
IMPORT_STAFF_MAX_BYTES = env_int("IMPORT_STAFF_MAX_BYTES", 2 * 1024 * 1024 * 1024)
# An algorithm version's calibration is frozen by its first run with at least this many
# members who have any influence (before that, each run's calibration is provisional).
SCORE_CALIBRATION_MIN_MEMBERS = env_int("SCORE_CALIBRATION_MIN_MEMBERS", 100)
# A file may expand (gzip) to at most this many times its stored size.
IMPORT_MAX_EXPANSION = env_int("IMPORT_MAX_EXPANSION", 50)
