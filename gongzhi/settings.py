"""Settings, read from the environment through small typed readers; SQLite unless DATABASE_URL says otherwise."""

import os
from pathlib import Path

import csp.constants
import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets the classes django-stubs types as generic be subscripted at run time too (`admin.ModelAdmin[Notice]`).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# GONGZHI_ENV=production is the profile for a real deployment behind a TLS-terminating proxy: it refuses to start
# with a development key or no host names, and turns on HSTS, secure cookies and the HTTPS redirect (README
# "Configuration"). The default, development, runs on a laptop over plain HTTP with the development keys.
GONGZHI_ENV = env_str("GONGZHI_ENV", "development").strip().lower()
if GONGZHI_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"GONGZHI_ENV 只能是 development 或 production，而不是 {GONGZHI_ENV!r} / "
        f"GONGZHI_ENV must be development or production, not {GONGZHI_ENV!r}"
    )
PRODUCTION = GONGZHI_ENV == "production"

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"
DEV_PII_KEY = "dev-only-pii-key-change-me"
DEV_BACKUP_KEY = "dev-only-backup-key-change-me"
# Django's own deploy check (security.W009) wants 50 characters; PII_KEY is hashed into the Fernet and HMAC keys,
# so 32 random characters carry more entropy than those keys hold.
SECRET_KEY_MIN_LENGTH = 50
PII_KEY_MIN_LENGTH = 32
BACKUP_KEY_MIN_LENGTH = 32
KEY_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
# Separate from SECRET_KEY so that rotating sessions never makes stored ID numbers unreadable.
PII_KEY = env_str("PII_KEY", DEV_PII_KEY)
# During a key rotation (manage.py rotate_pii_key, docs/operations.md) the key being replaced: values are read under
# PII_KEY or this one, and lookups match either hash, until the rotation is complete and it is removed.
PII_KEY_PREVIOUS = env_str("PII_KEY_PREVIOUS", "")
# Encrypts the archives of manage.py backup; kept apart from the server (an archive holds PII_KEY's ciphertexts,
# not PII_KEY itself, so restoring needs both keys).
BACKUP_KEY = env_str("BACKUP_KEY", DEV_BACKUP_KEY)
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 8)
# Production has no default host: the deployment names its own.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "" if PRODUCTION else "http://127.0.0.1:8000,http://localhost:8000"
)


def key_problem(name: str, value: str, development_value: str, min_length: int) -> str | None:
    """Why `value` is not fit to be the production `name`, in Chinese and English; None when it is."""
    if value == development_value:
        zh, en = f"{name} 仍是开发用的默认值", f"{name} is the development value"
    elif len(value) < min_length:
        zh, en = f"{name} 只有 {len(value)} 个字符", f"{name} is only {len(value)} characters long"
    elif len(set(value)) < 5 or value.startswith("django-insecure-"):
        zh, en = f"{name} 不是随机值", f"{name} is not a random value"
    else:
        return None
    return (
        f"{zh}，请设置至少 {min_length} 个字符的随机值 / {en}: set a random value of at least {min_length} "
        f"characters; generate one with {KEY_HINT}"
    )


def production_problems(
    secret_key: str,
    pii_key: str,
    allowed_hosts: list[str],
    debug: bool,
    backup_key: str = "",
    pii_key_previous: str = "",
) -> list[str]:
    """Every reason the production profile must not start with these values (empty when it may)."""
    problems = [
        key_problem("SECRET_KEY", secret_key, DEV_SECRET_KEY, SECRET_KEY_MIN_LENGTH),
        key_problem("PII_KEY", pii_key, DEV_PII_KEY, PII_KEY_MIN_LENGTH),
        key_problem("BACKUP_KEY", backup_key, DEV_BACKUP_KEY, BACKUP_KEY_MIN_LENGTH),
    ]
    if pii_key == secret_key:
        problems.append("PII_KEY 不能与 SECRET_KEY 相同 / PII_KEY must differ from SECRET_KEY")
    if backup_key in {secret_key, pii_key}:
        problems.append(
            "BACKUP_KEY 不能与 SECRET_KEY 或 PII_KEY 相同 / BACKUP_KEY must differ from SECRET_KEY and PII_KEY"
        )
    if pii_key_previous and pii_key_previous == pii_key:
        problems.append("PII_KEY_PREVIOUS 不能与 PII_KEY 相同 / PII_KEY_PREVIOUS must differ from PII_KEY")
    if not allowed_hosts:
        problems.append(
            "ALLOWED_HOSTS 为空，请列出本站的域名（逗号分隔）/ ALLOWED_HOSTS is empty: list the site's host names, "
            "comma-separated"
        )
    if debug:
        problems.append("DEBUG 在生产环境中必须关闭 / DEBUG must be off in production")
    return [problem for problem in problems if problem]


# /metrics (Prometheus) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, the endpoint is off (404) and no
# request is counted. Production refuses a token shorter than 32 characters (docs/operations.md "Observability").
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_TOKEN_MIN_LENGTH = 32


def metrics_token_problems(token: str) -> list[str]:
    if token and len(token) < METRICS_TOKEN_MIN_LENGTH:
        return [
            f"METRICS_TOKEN 只有 {len(token)} 个字符，请设置至少 {METRICS_TOKEN_MIN_LENGTH} 个字符的随机值，或不设置以关闭 "
            f"/metrics / METRICS_TOKEN is only {len(token)} characters long: set a random value of at least "
            f"{METRICS_TOKEN_MIN_LENGTH} characters (generate one with {KEY_HINT}), or unset it to turn /metrics off"
        ]
    return []


if PRODUCTION:
    _problems = production_problems(
        SECRET_KEY, PII_KEY, ALLOWED_HOSTS, DEBUG, BACKUP_KEY, PII_KEY_PREVIOUS
    ) + metrics_token_problems(METRICS_TOKEN)
    if _problems:
        raise ImproperlyConfigured(
            "GONGZHI_ENV=production 拒绝启动 / refuses to start:\n" + "\n".join(f"- {p}" for p in _problems)
        )
    # TLS ends at the proxy (nginx), which must set X-Forwarded-Proto on every request it passes on and strip it
    # from what clients send; Django then sees HTTPS requests as secure.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # A local health check (curl http://127.0.0.1:8000/healthz on the server) is answered rather than redirected.
    # So is a local Prometheus scrape of /metrics (its bearer token never leaves the machine).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Turning preload off is a deliberate choice (the domain stays off browsers' built-in HTTPS list), so the
    # deploy check's reminder about it is silenced rather than left as a warning.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    # The API docs page then serves Swagger UI from our own static files, not from a CDN the policy refuses.
    "ninja",
    "gongzhi.core",
    "gongzhi.areas",
    "gongzhi.accounts",
    "gongzhi.people",
    "gongzhi.rosters",
    "gongzhi.points",
    "gongzhi.appeals",
    "gongzhi.volunteering",
    "gongzhi.inspections",
    "gongzhi.deliberation",
    "gongzhi.matching",
    "gongzhi.care",
    "gongzhi.awards",
    "gongzhi.command",
    "gongzhi.notifications",
    "gongzhi.noticeboard",
    "gongzhi.open311",
    "gongzhi.privacy",
    "gongzhi.web",
    "gongzhi.carelink",
]

MIDDLEWARE = [
    # First: the request id is set before anything can log, and the metrics time the whole stack.
    "gongzhi.core.logs.RequestIdMiddleware",
    "gongzhi.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff idle limit and the second sign-in step (accounts.middleware, docs/security.md).
    "gongzhi.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Domain errors a page lets through become the one error page (core.pages.error_page).
    "gongzhi.core.middleware.DomainErrorMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy on every response (django-csp). Scripts and styles come from our own files only: no
# template has an inline <script>, <style>, style="" or on…="" (tests/test_csp.py reads every template, and the
# browser tests fail on any violation Chromium reports). JSON data blocks (json_script) are not scripts to CSP.
# Photos are previewed from blob: URLs and QR codes may be data: images; the map has no tile server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF],
        "img-src": [csp.constants.SELF, "data:", "blob:"],
        "font-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],
        "media-src": [csp.constants.SELF, "blob:"],
        "worker-src": [csp.constants.SELF, "blob:"],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    }
}

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'gongzhi.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes. SQLite has one writer: a 100,000-row
    # roster import holds it for ~35 s, so other writers wait up to 45 s (under gunicorn's 60 s timeout) rather
    # than fail with "database is locked". PostgreSQL has no such limit.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=45000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gongzhi.accounts.backends.UsernameOrPhoneBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# A database cache is shared by the web processes and the worker without another service to run.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if env_str("CACHE_BACKEND", "db") == "locmem"
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongzhi_cache"}
    )
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Notification e-mail goes through Django's backend; the console backend prints it until SMTP is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gongzhi@localhost")

# Login throttling: this many failures per username or address within the window lock further tries.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900)

# Two-factor sign-in (docs/security.md): who must use an authenticator app — any role listed, any holder of a rule
# listed (unmasking personal data, reading care records), any membership at an area of OTP_REQUIRED_REACH or above
# (street-level reach; empty turns that test off); superusers always. Everyone else may turn it on.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "admin,street_staff,child_director")
OTP_REQUIRED_RULES = env_list("OTP_REQUIRED_RULES", "people.unmask,care.view,care.children,care.manage")
OTP_REQUIRED_REACH = env_str("OTP_REQUIRED_REACH", "street")
if OTP_REQUIRED_REACH not in {"", "district", "street", "community", "grid", "microgrid"}:
    raise ImproperlyConfigured(
        f"OTP_REQUIRED_REACH 只能是 district、street、community、grid、microgrid 或空，而不是 {OTP_REQUIRED_REACH!r} / "
        f"OTP_REQUIRED_REACH must be district, street, community, grid, microgrid or empty, not {OTP_REQUIRED_REACH!r}"
    )
OTP_ISSUER = env_str("OTP_ISSUER", "共治 Gongzhi")
# Wrong codes in a row that lock a user's second step, and for how long (a right code is refused meanwhile).
OTP_MAX_FAILURES = env_int("OTP_MAX_FAILURES", 5)
OTP_LOCK_SECONDS = env_int("OTP_LOCK_SECONDS", 900)
# API tokens end after this many days at most (a client may ask for fewer).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
# Staff sessions end after this many minutes without a request (0: never); residents' sessions are not limited.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
if min(OTP_MAX_FAILURES, OTP_LOCK_SECONDS, API_TOKEN_TTL_DAYS) < 1 or SESSION_IDLE_MINUTES < 0:
    raise ImproperlyConfigured(
        "OTP_MAX_FAILURES、OTP_LOCK_SECONDS、API_TOKEN_TTL_DAYS 须为正数，SESSION_IDLE_MINUTES 不能为负数 / "
        "OTP_MAX_FAILURES, OTP_LOCK_SECONDS and API_TOKEN_TTL_DAYS must be positive, SESSION_IDLE_MINUTES not negative"
    )

# Every record carries the request id (`-` outside a request); LOG_FORMAT=json writes one JSON object per line for a
# log collector, text is for reading in a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(
        f"LOG_FORMAT 只能是 json 或 text，而不是 {LOG_FORMAT!r} / LOG_FORMAT must be json or text, not {LOG_FORMAT!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gongzhi.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "gongzhi.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Retention (PIPL art. 19, 网络安全法 art. 21; docs/operations.md "Retention"): the daily `sweep_retention` deletes
# uploaded roster workbooks and their error workbooks this many days after the import finished, leftover export
# files this many hours after they were written, and audit events older than AUDIT_RETENTION_DAYS (0: kept for
# ever). The Cybersecurity Law keeps network logs at least six months, so a shorter audit setting stops start-up.
AUDIT_RETENTION_MIN_DAYS = 184  # six months, the longest six calendar months can be (July to December)


def retention_days(name: str, default: int, *, minimum: int = 1, zero_keeps: bool = False) -> int:
    """A retention setting in whole days (hours for exports), refused with a message naming the variable."""
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} 必须是整数，而不是 {raw!r} / {name} must be a whole number, not {raw!r}"
        ) from None
    if zero_keeps and value == 0:
        return 0
    if value < minimum:
        if name == "AUDIT_RETENTION_DAYS":
            raise ImproperlyConfigured(
                f"AUDIT_RETENTION_DAYS={value} 短于法定最短期限：《网络安全法》第二十一条要求网络日志留存不少于六个月，"
                f"请设置至少 {minimum} 天，或 0（永久保留）/ AUDIT_RETENTION_DAYS={value} is shorter than the legal "
                f"minimum: the Cybersecurity Law (art. 21) keeps network logs at least six months; set at least "
                f"{minimum} days, or 0 to keep them for ever"
            )
        raise ImproperlyConfigured(
            f"{name}={value} 无效，至少为 {minimum} / {name}={value} is not valid: at least {minimum}"
        )
    return value


AUDIT_RETENTION_DAYS = retention_days("AUDIT_RETENTION_DAYS", 0, minimum=AUDIT_RETENTION_MIN_DAYS, zero_keeps=True)
UPLOAD_RETENTION_DAYS = retention_days("UPLOAD_RETENTION_DAYS", 30)
EXPORT_RETENTION_HOURS = retention_days("EXPORT_RETENTION_HOURS", 24)

# /healthz answers 503 when no task worker (`manage.py task_worker`) has beaten for this many seconds; 0 reports
# the heartbeat without judging it. Only with the database task backend (TASKS_BACKEND); the worker beats every 10 s.
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)
if WORKER_HEARTBEAT_MAX_AGE < 0:
    raise ImproperlyConfigured(
        "WORKER_HEARTBEAT_MAX_AGE 不能为负数（0 表示不检查）/ WORKER_HEARTBEAT_MAX_AGE must not be negative (0: not checked)"
    )

# The 7135 rule (appeals): arrival minutes after dispatch, days per tier, and the day unit ("natural" 24-hour
# days or Chinese "workday"s with make-up workdays). Categories may override any of them.
APPEALS_POLICY = {
    "arrival_minutes": env_int("APPEALS_ARRIVAL_MINUTES", 7),
    "days": {
        "minor": env_int("APPEALS_DAYS_MINOR", 1),
        "major": env_int("APPEALS_DAYS_MAJOR", 3),
        "hard": env_int("APPEALS_DAYS_HARD", 5),
    },
    "day_unit": env_str("APPEALS_DAY_UNIT", "natural"),
    "summons_report_minutes": env_int("APPEALS_SUMMONS_REPORT_MINUTES", 30),
}
# The channels appeal notifications go out on (docs/notifications.md), e.g. "inbox,email,sms".
APPEALS_NOTIFICATION_CHANNELS = env_list("APPEALS_NOTIFICATION_CHANNELS", "inbox,email")
