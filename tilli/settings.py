"""Tilli settings: one module, driven by the environment, failing loudly on bad values.

Production needs SECRET_KEY, TILLI_MASTER_KEYS, ALLOWED_HOSTS and DATABASE_URL (or the
default SQLite file); development gets them from var/tilli.env, written by `make run`.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tilli.lib.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_master_keys,
    env_str,
    env_url,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TILLI_VAR_DIR", BASE_DIR / "var"))
load_env_file(Path(os.environ.get("TILLI_ENV_FILE", VAR_DIR / "tilli.env")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not DEBUG and (len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production.")

# Master keys wrap the per-organization data keys; the first one wraps new keys.
TILLI_MASTER_KEYS = env_master_keys("TILLI_MASTER_KEYS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names) in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))

INSTALLED_APPS = [
    "accounts.admin_apps.OperatorAdminConfig",  # django.contrib.admin behind allauth sign-in and MFA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "kernel",  # the bottom layer: registry, audit chain, scheduler, domain events (docs/architecture.md)
    "tilli",  # the project as an app: its migrations handed its tables to kernel
    "tenancy",
    "accounts",
    "privacy",
    "clients",
    "booking",
    "billing",
    "notify",
    "web",
    "api",
    "ops",
    "console",
]

# Apps whose models must classify every field in the personal-data registry.
TILLI_APPS = [
    "kernel", "tenancy", "accounts", "privacy", "clients", "booking", "billing", "notify", "web", "api", "ops",
    "console",
]

MIDDLEWARE = [
    "ops.middleware.RequestMiddleware",  # request id in every log line, latency by route, one access line
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything that could touch them
    "tilli.middleware.NoStoreMiddleware",  # no response with personal data is cached
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.OperatorSessionMiddleware",  # the operator's staff, for a support access
    "tenancy.middleware.OrganizationMiddleware",
    "accounts.middleware.OwnerMfaMiddleware",
    "accounts.middleware.PasswordAgeMiddleware",
]

ROOT_URLCONF = "tilli.urls"
WSGI_APPLICATION = "tilli.wsgi.application"
ASGI_APPLICATION = "tilli.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenancy.context_processors.organization",
            ],
        },
    },
]

# Database: SQLite in WAL mode under var/ unless DATABASE_URL names another.
_default_db = f"sqlite:///{VAR_DIR / 'tilli.sqlite3'}"
_db_url = env_url("DATABASE_URL", _default_db, schemes=("sqlite", "postgres", "postgresql"))
# Production keeps each worker's connection open (a new PostgreSQL connection costs a few ms per
# request) and checks it before reuse, so a restarted database costs one failed check, not a 500.
try:
    DATABASES = {"default": dj_database_url.parse(
        _db_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60, minimum=0), conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE makes every write transaction take the write lock up front, so
        # check-then-write sequences (audit chain, bookings) are serialized.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                         "PRAGMA secure_delete=ON;"),  # erased rows are overwritten, not left in free pages
    }
    # A file, not memory, so tests with real threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# A streaming replica for read-only reports (tilli.routers): only reads inside reading_from_replica() go
# there. In tests the alias mirrors the default database unless a replica test re-points it.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_url("DATABASE_REPLICA_URL", schemes=("postgres", "postgresql")),
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0), conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["tilli.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {
    # The database cache is shared by every process, so sign-in throttling holds
    # across web workers without another server to run.
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tilli_cache"},
}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in (django-allauth): email only, no open sign-up (staff are invited).
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
MFA_ADAPTER = "accounts.adapter.MFAAdapter"  # seals TOTP secrets and recovery seeds with TILLI_MASTER_KEYS
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tilli"
USERSESSIONS_TRACK_ACTIVITY = True
SECURITY_LOG_RETENTION_DAYS = env_int("SECURITY_LOG_RETENTION_DAYS", 90, minimum=1)
# Data-subject rights: where export files live (encrypted), how long their links last, and the
# erasure ledger kept outside the database so erasures survive restoring an older backup.
EXPORT_DIR = Path(os.environ.get("TILLI_EXPORT_DIR", VAR_DIR / "exports"))
EXPORT_LINK_DAYS = env_int("EXPORT_LINK_DAYS", 7, minimum=1)
ERASURE_LEDGER_PATH = Path(os.environ.get("TILLI_ERASURE_LEDGER", VAR_DIR / "erasure-ledger.jsonl"))
# The operator of this installation (the processor), named in every processing agreement.
OPERATOR_NAME = env_str("OPERATOR_NAME", "Tilli demo operator" if DEBUG else "")
OPERATOR_BUSINESS_ID = env_str("OPERATOR_BUSINESS_ID", "0000000-0" if DEBUG else "")
OPERATOR_ADDRESS = env_str("OPERATOR_ADDRESS", "Esimerkkikatu 1, 00100 Helsinki" if DEBUG else "")
OPERATOR_EMAIL = env_str("OPERATOR_EMAIL", "privacy@tilli.example" if DEBUG else "")
# The operator's console (docs/operator-console.md): how long a controller has to take its data back
# after its contract ends before the organization is deleted (GDPR Art. 28(3)(g)), and the longest
# support access the operator's staff may have to one organization.
CONTRACT_RETURN_DAYS = env_int("CONTRACT_RETURN_DAYS", 30, minimum=1)
SUPPORT_ACCESS_MAX_HOURS = env_int("SUPPORT_ACCESS_MAX_HOURS", 8, minimum=1)
DOCUMENT_DIR = Path(os.environ.get("TILLI_DOCUMENT_DIR", VAR_DIR / "documents"))
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7, minimum=1)
# Anonymous writes (booking page and API, portal sign-in, contact form, changing a booking): one
# atomic limit per address (IPv6 per /64) over all of them, caps on bookings per organization and per
# email address, and a proof of work on each booking. How and why: docs/public-writes.md.
PUBLIC_WRITES_PER_IP = env_int("PUBLIC_WRITES_PER_IP", 20, minimum=1)
PUBLIC_WRITES_WINDOW_SECONDS = env_int("PUBLIC_WRITES_WINDOW_SECONDS", 600, minimum=1)
PUBLIC_BOOKINGS_PER_ORGANIZATION = env_int("PUBLIC_BOOKINGS_PER_ORGANIZATION", 60, minimum=1)
PUBLIC_BOOKINGS_ORGANIZATION_WINDOW_SECONDS = env_int("PUBLIC_BOOKINGS_ORGANIZATION_WINDOW_SECONDS", 3600,
                                                      minimum=1)
PUBLIC_BOOKINGS_PER_EMAIL = env_int("PUBLIC_BOOKINGS_PER_EMAIL", 3, minimum=1)
PUBLIC_BOOKINGS_EMAIL_WINDOW_SECONDS = env_int("PUBLIC_BOOKINGS_EMAIL_WINDOW_SECONDS", 86400, minimum=1)
PUBLIC_WRITES_PROOF_BITS = env_int("PUBLIC_WRITES_PROOF_BITS", 16, minimum=0)
PUBLIC_WRITES_PROOF_SECONDS = env_int("PUBLIC_WRITES_PROOF_SECONDS", 1800, minimum=60)
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["owner"])
# Sign-up (docs/signup.md): "open" lets any business create its organization at /signup/, "invitation"
# only through an operator's single-use link (`manage.py signup_invite`). The confirmation link lasts
# SIGNUP_LINK_HOURS; each email address may ask for SIGNUP_PER_EMAIL links a day (besides the per-address
# limit every public write shares).
SIGNUP_MODE = env_choice("SIGNUP_MODE", "open", ("open", "invitation"))
SIGNUP_LINK_HOURS = env_int("SIGNUP_LINK_HOURS", 48, minimum=1)
SIGNUP_INVITATION_DAYS = env_int("SIGNUP_INVITATION_DAYS", 14, minimum=1)
SIGNUP_PER_EMAIL = env_int("SIGNUP_PER_EMAIL", 3, minimum=1)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0, minimum=0)  # 0: passwords do not expire
# A practitioner treats a client (reads and writes their sensitive entries) from the booking of an
# appointment with them until this many days after it ends; beyond that, only an owner's care assignment.
CARE_AFTER_APPOINTMENT_DAYS = env_int("CARE_AFTER_APPOINTMENT_DAYS", 180, minimum=0)
# API tokens expire: the default lifetime offered at creation and the longest one allowed.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90, minimum=1)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1)
if API_TOKEN_DEFAULT_DAYS > API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DEFAULT_DAYS must not exceed API_TOKEN_MAX_DAYS.")

# Sessions and cookies.
SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
_behind_tls_proxy = env_bool("BEHIND_TLS_PROXY", False)
if _behind_tls_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies we run in front of the application, each appending to X-Forwarded-For:
# tilli.lib.client_ip takes the client's address from that many entries from the right, so
# throttles and logs count the real caller, never the proxy or a forged header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if _behind_tls_proxy else 0, minimum=0)
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Languages and time.
LANGUAGE_CODE = "en"
LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("pl", "Polski"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tilli.formats"]  # English with the day first and a 24-hour clock (tilli/formats/en)
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Helsinki")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone: {TIME_ZONE!r}.")

# Pictures owners upload for their booking page (logo, cover, staff photos), re-encoded and stored per
# organization; served only through the booking page's own view (web.booking_page_public), never directly.
MEDIA_ROOT = Path(os.environ.get("TILLI_MEDIA_ROOT", VAR_DIR / "media"))

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("TILLI_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves `collectstatic`'s output through WhiteNoise: names carry a content hash (cached for a
# year), each file also pre-compressed (gzip and Brotli). Development serves the source files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "tilli.lib.static_storage.StaticStorage"},
}

# Mail (Django 6.1 mailers).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tilli <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_mail_backend = env_choice("MAIL_BACKEND", "console" if DEBUG else "smtp", ("smtp", "console"))
if _mail_backend == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("SMTP_HOST", "127.0.0.1"),
                "port": env_int("SMTP_PORT", 25, minimum=1),
                "username": env_str("SMTP_USER", ""),
                "password": env_str("SMTP_PASSWORD", ""),
                "use_tls": env_bool("SMTP_STARTTLS", False),
                "timeout": env_int("SMTP_TIMEOUT", 20, minimum=1),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "tilli.lib.console_mail.EmailBackend"}}  # decoded, so links copy whole

# Fiscal register (Polish sellers' kasa fiskalna online; billing/fiscal.py, docs/fiscal-registers.md):
# "none" registers nothing, "recording" is the test double, else a dotted path to a FiscalGateway.
FISCAL_REGISTER = env_str("FISCAL_REGISTER", "none")

# Online payment gateways (billing/gateways, docs/online-payments.md): the deployment's merchant credentials live
# here only, never in the database. Each gateway named in PAYMENT_GATEWAYS must have its secrets set, or the
# server refuses to start. Test mode is the provider's: Stripe's sk_test_ keys, Paytrail's test account,
# Przelewy24's sandbox host; PAYMENTS_LIVE=1 says the credentials move real money (the owner's pages say which).
PAYMENT_GATEWAYS = env_list("PAYMENT_GATEWAYS", [])
_unknown_gateways = set(PAYMENT_GATEWAYS) - {"stripe", "paytrail", "przelewy24"}
if _unknown_gateways:
    raise ImproperlyConfigured(f"PAYMENT_GATEWAYS: unknown gateway(s) {sorted(_unknown_gateways)}; "
                               "choose from stripe, paytrail, przelewy24.")
PAYMENTS_LIVE = env_bool("PAYMENTS_LIVE", False)
PAYMENT_GATEWAY_TIMEOUT = env_int("PAYMENT_GATEWAY_TIMEOUT", 20, minimum=1)
# The demo (`make run`'s env file): the gateways' API bases are local doubles that bin/serve starts
# (manage.py serve_payment_doubles); seed_demo serves them for a moment to connect Przelewy24 (testAccess).
PAYMENT_DOUBLES = env_bool("PAYMENT_DOUBLES", False)
_gateway_schemes = ("https", "http") if DEBUG else ("https",)
if "stripe" in PAYMENT_GATEWAYS:
    STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = env_url("STRIPE_API_BASE", "https://api.stripe.com", schemes=_gateway_schemes)
if "paytrail" in PAYMENT_GATEWAYS:
    PAYTRAIL_ACCOUNT = env_str("PAYTRAIL_ACCOUNT")
    PAYTRAIL_SECRET = env_str("PAYTRAIL_SECRET")
    PAYTRAIL_API_BASE = env_url("PAYTRAIL_API_BASE", "https://services.paytrail.com", schemes=_gateway_schemes)
if "przelewy24" in PAYMENT_GATEWAYS:
    P24_MERCHANT_ID = env_int("P24_MERCHANT_ID", 0, minimum=1)
    P24_POS_ID = env_int("P24_POS_ID", P24_MERCHANT_ID, minimum=1)
    P24_CRC = env_str("P24_CRC")
    P24_API_KEY = env_str("P24_API_KEY")
    P24_API_BASE = env_url("P24_API_BASE", "https://secure.przelewy24.pl" if PAYMENTS_LIVE
                           else "https://sandbox.przelewy24.pl", schemes=_gateway_schemes)

# SMS gateway (used by notifications; notify/sms): "disabled" sends nothing, "file" writes each
# message as a JSON line (development), "http" is a generic gateway, "smsapi" (Poland) and
# "gatewayapi" (Finland and the Nordics) are providers' own APIs.
SMS_GATEWAY = env_choice("SMS_GATEWAY", "file" if DEBUG else "disabled",
                         ("disabled", "file", "http", "smsapi", "gatewayapi"))
SMS_SENDER = env_str("SMS_SENDER", "Tilli")
if not (re.fullmatch(r"\+?[0-9]{1,15}", SMS_SENDER)
        or (re.fullmatch(r"[A-Za-z0-9 ]{1,11}", SMS_SENDER) and SMS_SENDER.strip() == SMS_SENDER)):
    raise ImproperlyConfigured("SMS_SENDER must be up to 11 letters, digits and spaces, or up to 15 digits.")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10, minimum=1)
_sms_schemes = ("https",) if not DEBUG else ("https", "http")
if SMS_GATEWAY == "file":
    SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms-outbox.jsonl")))
elif SMS_GATEWAY == "http":
    SMS_GATEWAY_URL = env_url("SMS_GATEWAY_URL", schemes=_sms_schemes)
    SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
    SMS_GATEWAY_USER = env_str("SMS_GATEWAY_USER", "")
    SMS_GATEWAY_PASSWORD = env_str("SMS_GATEWAY_PASSWORD", "")
    if not SMS_GATEWAY_TOKEN and not (SMS_GATEWAY_USER and SMS_GATEWAY_PASSWORD):
        raise ImproperlyConfigured("Set SMS_GATEWAY_TOKEN (bearer), or SMS_GATEWAY_USER and SMS_GATEWAY_PASSWORD.")
    SMS_GATEWAY_BODY_FORMAT = env_choice("SMS_GATEWAY_BODY_FORMAT", "json", ("json", "form"))
    SMS_GATEWAY_BODY = env_str(
        "SMS_GATEWAY_BODY",
        '{"to": "{to}", "text": "{text}", "sender": "{sender}", "reference": "{reference}"}'
        if SMS_GATEWAY_BODY_FORMAT == "json" else "to={to}&text={text}&sender={sender}&reference={reference}",
    )
    if SMS_GATEWAY_BODY_FORMAT == "json":
        try:
            json.loads(SMS_GATEWAY_BODY)
        except ValueError:
            raise ImproperlyConfigured("SMS_GATEWAY_BODY must be valid JSON (SMS_GATEWAY_BODY_FORMAT=json).") from None
    if "{to}" not in SMS_GATEWAY_BODY or "{text}" not in SMS_GATEWAY_BODY:
        raise ImproperlyConfigured("SMS_GATEWAY_BODY must contain the placeholders {to} and {text}.")
    SMS_GATEWAY_ID_POINTER = env_str("SMS_GATEWAY_ID_POINTER", "")
    if SMS_GATEWAY_ID_POINTER and not SMS_GATEWAY_ID_POINTER.startswith("/"):
        raise ImproperlyConfigured("SMS_GATEWAY_ID_POINTER must be a JSON pointer such as /id or /messages/0/id.")
elif SMS_GATEWAY == "smsapi":
    SMSAPI_TOKEN = env_str("SMSAPI_TOKEN")
    SMSAPI_URL = env_url("SMSAPI_URL", "https://api.smsapi.pl/sms.do", schemes=_sms_schemes)
elif SMS_GATEWAY == "gatewayapi":
    GATEWAYAPI_TOKEN = env_str("GATEWAYAPI_TOKEN")
    GATEWAYAPI_URL = env_url("GATEWAYAPI_URL", "https://gatewayapi.eu/rest/mtsms", schemes=_sms_schemes)

# Outgoing webhooks (notify/webhooks.py) go to public https addresses only; tests turn this on to
# receive them on http://127.0.0.1.
WEBHOOK_ALLOW_LOOPBACK = False

# Background tasks: django.tasks with the database backend; run `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Operations: /healthz, /readyz and /metrics (docs/operations.md), backups (docs/backups.md).
# /readyz answers 503 when one of these is exceeded.
HEALTH_HEARTBEAT_MAX_AGE_SECONDS = env_int("HEALTH_HEARTBEAT_MAX_AGE_SECONDS", 300, minimum=60)
HEALTH_OUTBOX_MAX_BACKLOG = env_int("HEALTH_OUTBOX_MAX_BACKLOG", 500, minimum=1)
HEALTH_TASK_MAX_AGE_SECONDS = env_int("HEALTH_TASK_MAX_AGE_SECONDS", 600, minimum=60)
# 0 leaves the last backup's age out of /readyz (development); daily backups plus a margin otherwise.
HEALTH_BACKUP_MAX_AGE_HOURS = env_int("HEALTH_BACKUP_MAX_AGE_HOURS", 0 if DEBUG else 26, minimum=0)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")  # empty: /metrics answers 404
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 random characters (or empty to turn /metrics off).")
# Load balancers probe over plain HTTP from inside the network (/metrics, with its token, stays on HTTPS).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Backups are encrypted with their own keys, never the data master keys: `id:base64`, the first one encrypts.
BACKUP_KEYS = env_master_keys("BACKUP_KEY") if env_str("BACKUP_KEY", "") else {}
if set(BACKUP_KEYS.values()) & set(TILLI_MASTER_KEYS.values()):
    raise ImproperlyConfigured("BACKUP_KEY must differ from every key in TILLI_MASTER_KEYS.")
BACKUP_DIR = Path(os.environ.get("TILLI_BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_S3_BUCKET = env_str("BACKUP_S3_BUCKET", "")
BACKUP_S3_PREFIX = env_str("BACKUP_S3_PREFIX", "tilli/")
BACKUP_S3_ENDPOINT_URL = (env_url("BACKUP_S3_ENDPOINT_URL", schemes=("https", "http"))
                          if os.environ.get("BACKUP_S3_ENDPOINT_URL") else None)  # None: AWS itself
BACKUP_S3_REGION = env_str("BACKUP_S3_REGION", "eu-north-1")
# Retention: every backup of the last BACKUP_KEEP_DAILY days, then the first of each of the last
# BACKUP_KEEP_MONTHLY months; an erased client's data is gone from every backup within that many months.
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 30, minimum=1)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12, minimum=0)

LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", ("json", "plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"()": "tilli.lib.logging.RedactingFormatter",
                             "format": "%(asctime)s %(levelname)s %(request_id)s %(name)s %(message)s"},
                   "json": {"()": "tilli.lib.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request logger would write URLs with query strings; ours carry no personal
        # data, but keep 4xx noise out of the log.
        "django.request": {"level": "ERROR"},
        # WeasyPrint logs each layout step at INFO; only its warnings matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The Stripe SDK logs each request's path at INFO, and the paths carry payment references (personal data).
        "stripe": {"level": "WARNING"},
    },
}
