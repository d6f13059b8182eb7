"""Configuration: a Config class reading the environment with defaults, plus TestingConfig."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from app.core.timeutil import LOCAL_TZ_NAME

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_optional_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def normalize_database_url(url: str) -> str:
    """Point postgres URLs at the installed psycopg 3 driver."""
    # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _database_url() -> str:
    return normalize_database_url(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'diandan.db'}"))


class Config:
    """Production-ready defaults, each overridable from the environment."""

    # Empty: a random key is made on first start and kept in instance/secret_key (app.core.security).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    # hide_parameters: a failed statement's error (and so the log) never carries the values, e.g. a phone number.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    TESTING = False

    # API and its OpenAPI spec (flask-smorest); Swagger UI is served from the installed swagger-ui-bundle.
    API_TITLE = "Diandan API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served by app.web.views from the swagger-ui-bundle package, so the docs page needs no network.
    OPENAPI_SWAGGER_UI_URL = "/vendor/swagger-ui/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }

    # Babel: Chinese first, English second; times shown in Asia/Shanghai, stored as aware UTC.
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = LOCAL_TZ_NAME
    LANGUAGES = ["zh_Hans_CN", "en"]

    WTF_CSRF_TIME_LIMIT = None

    # Auth
    PASSWORD_HASH_METHOD = "scrypt"
    API_TOKEN_HOURS = _env_int("DIANDAN_API_TOKEN_HOURS", 24 * 7)

    # Security (README "Security"). Behind HTTPS set DIANDAN_HTTPS=1: Secure cookies and HSTS.
    HTTPS = os.environ.get("DIANDAN_HTTPS", "0") == "1"
    # Trust X-Forwarded-For/-Proto from this many proxies in front (0: none), so audit IPs and https are right.
    PROXY_COUNT = _env_int("DIANDAN_PROXY_COUNT", 0)
    SESSION_COOKIE_SECURE = HTTPS
    REMEMBER_COOKIE_SECURE = HTTPS
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=_env_int("DIANDAN_REMEMBER_DAYS", 14))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("DIANDAN_SESSION_HOURS", 12))
    # Request bodies over this many bytes are refused (413) before they are read.
    MAX_CONTENT_LENGTH = _env_int("DIANDAN_MAX_CONTENT_BYTES", 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    JSON_MAX_DEPTH = _env_int("DIANDAN_JSON_MAX_DEPTH", 32)
    # Backstop for any JSON string; each schema field has its own tighter limit.
    TEXT_MAX_CHARS = _env_int("DIANDAN_TEXT_MAX_CHARS", 10_000)
    # Keys for personal data at rest (phones), comma-separated Fernet keys: the first encrypts, any decrypts.
    # Empty: one is made on first start and kept in instance/data_keys. Rotate: put a new key first, keep the old
    # ones after it, run `diandan keys rotate`, then drop the old ones.
    DATA_KEYS = _env_list("DIANDAN_DATA_KEYS", "")
    # Throttling (Flask-Limiter). Storage: the service's own database by default, shared by every worker;
    # or e.g. redis://host:6379/0 (needs the `redis` package). "memory://" is per process: tests only.
    RATELIMIT_STORAGE_URI = os.environ.get("DIANDAN_RATELIMIT_STORAGE_URI", "diandan-db://")
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in attempts (page and API) per client address, and failed ones per username.
    LOGIN_RATE_LIMIT = os.environ.get("DIANDAN_LOGIN_RATE_LIMIT", "20 per minute")
    LOGIN_FAILURE_LIMIT = os.environ.get("DIANDAN_LOGIN_FAILURE_LIMIT", "10 per 15 minutes")

    # Dispatch
    # One week by default: the engine's per-volunteer limit is then exactly the weekly limit (see dispatch).
    DISPATCH_HORIZON_DAYS = _env_int("DIANDAN_DISPATCH_HORIZON_DAYS", 7)
    DISPATCH_TIME_LIMIT_S = _env_float("DIANDAN_DISPATCH_TIME_LIMIT_S", 10.0)
    DISPATCH_SEED = _env_int("DIANDAN_DISPATCH_SEED", 0)
    ROAD_FACTOR = _env_float("DIANDAN_ROAD_FACTOR", 1.3)
    SPEED_KMH = _env_float("DIANDAN_SPEED_KMH", 30.0)
    ORDER_MAX_DAYS_AHEAD = _env_int("DIANDAN_ORDER_MAX_DAYS_AHEAD", 60)
    # How long a retried request (same Idempotency-Key) is answered from memory rather than done again.
    IDEMPOTENCY_KEEP_HOURS = _env_int("DIANDAN_IDEMPOTENCY_KEEP_HOURS", 24)
    # Escalate an order one tier (village -> township -> county) after this many declines or lapses at its tier.
    ESCALATE_AFTER_REJECTIONS = _env_int("DIANDAN_ESCALATE_AFTER_REJECTIONS", 1)
    # Also escalate when a run finds no team at the order's tier (and retry within the same run).
    ESCALATE_WHEN_UNSERVED = os.environ.get("DIANDAN_ESCALATE_WHEN_UNSERVED", "1") == "1"
    # Orders are not proposed to start sooner than this, so a team has time to answer and travel.
    DISPATCH_MIN_LEAD_MINUTES = _env_int("DIANDAN_DISPATCH_MIN_LEAD_MINUTES", 120)
    # A declined order is re-placed at once (with that team excluded) instead of waiting for the next run.
    REDISPATCH_ON_DECLINE = os.environ.get("DIANDAN_REDISPATCH_ON_DECLINE", "1") == "1"
    REDISPATCH_TIME_LIMIT_S = _env_float("DIANDAN_REDISPATCH_TIME_LIMIT_S", 1.0)
    PROPOSAL_DEADLINE_HOURS = _env_int("DIANDAN_PROPOSAL_DEADLINE_HOURS", 24)
    # Soft preferences (weights; 0 turns one off).
    PREFER_LOWER_TIER_WEIGHT = _env_float("DIANDAN_PREFER_LOWER_TIER_WEIGHT", 1.0)
    FAIR_SPREAD_WEIGHT = _env_float("DIANDAN_FAIR_SPREAD_WEIGHT", 0.5)
    REPEAT_TEAM_WEIGHT = _env_float("DIANDAN_REPEAT_TEAM_WEIGHT", 0.5)

    # Points awarded per served hour (incentives).
    POINTS_PER_HOUR = _env_int("DIANDAN_POINTS_PER_HOUR", 10)
    # Extra points each volunteer on an order earns when the resident gives it 5 stars.
    POINTS_FIVE_STAR_BONUS = _env_int("DIANDAN_POINTS_FIVE_STAR_BONUS", 5)
    # Extra points per order priority level above 3 (these three seed rule version 1; later versions are data).
    POINTS_PRIORITY_BONUS = _env_int("DIANDAN_POINTS_PRIORITY_BONUS", 2)
    # Subsidy paid per served hour in the subsidy report (yuan).
    SUBSIDY_YUAN_PER_HOUR = _env_float("DIANDAN_SUBSIDY_YUAN_PER_HOUR", 10.0)
    # Who issues the service certificate (志愿服务证明).
    CERTIFICATE_ISSUER = os.environ.get("DIANDAN_CERTIFICATE_ISSUER", "彭阳县新时代文明实践中心")

    # Coverage: a station x priority with no served order in this many days is a gap.
    COVERAGE_GAP_DAYS = _env_int("DIANDAN_COVERAGE_GAP_DAYS", 90)
    # Period (days ending today) the coverage API shows when no start is given.
    COVERAGE_DEFAULT_DAYS = _env_int("DIANDAN_COVERAGE_DEFAULT_DAYS", 30)
    # The nightly snapshot records coverage over this many days ending on the snapshot day.
    COVERAGE_SNAPSHOT_WINDOW_DAYS = _env_int("DIANDAN_COVERAGE_SNAPSHOT_WINDOW_DAYS", 30)
    # Map colour classes: fulfilment at or above GOOD is "high", below POOR is "low", between is "medium".
    COVERAGE_GOOD_FULFILMENT = _env_float("DIANDAN_COVERAGE_GOOD_FULFILMENT", 0.8)
    COVERAGE_POOR_FULFILMENT = _env_float("DIANDAN_COVERAGE_POOR_FULFILMENT", 0.5)

    # Map: no tile layer by default so the map works offline.
    MAP_TILE_URL = os.environ.get("DIANDAN_MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("DIANDAN_MAP_TILE_ATTRIBUTION", "")
    # Rows per page on the staff order list.
    ORDER_LIST_PAGE_SIZE = _env_int("DIANDAN_ORDER_LIST_PAGE_SIZE", 50)

    # Scheduler (schedules/): one leader process runs the jobs; cron times are local (Asia/Shanghai).
    # Job names to run; empty means every job.
    SCHEDULER_JOBS = _env_list("DIANDAN_SCHEDULER_JOBS", "")
    # Lock file used on SQLite (PostgreSQL uses an advisory lock); default sits beside the database file.
    SCHEDULER_LOCK_FILE = os.environ.get("DIANDAN_SCHEDULER_LOCK_FILE", "")
    # How often a standby instance tries to take over, and the leader checks it still holds the lock.
    SCHEDULER_STANDBY_POLL_S = _env_float("DIANDAN_SCHEDULER_STANDBY_POLL_S", 15.0)
    SCHEDULER_HEARTBEAT_S = _env_float("DIANDAN_SCHEDULER_HEARTBEAT_S", 30.0)
    # A run missed by more than this is dropped (None: always run once after downtime, coalesced).
    SCHEDULER_MISFIRE_GRACE_S = _env_optional_int("DIANDAN_SCHEDULER_MISFIRE_GRACE_S")
    SCHEDULER_WORKERS = _env_int("DIANDAN_SCHEDULER_WORKERS", 4)
    SCHEDULE_DISPATCH_MINUTES = _env_int("DIANDAN_SCHEDULE_DISPATCH_MINUTES", 15)
    SCHEDULE_PROPOSAL_DEADLINES_MINUTES = _env_int("DIANDAN_SCHEDULE_PROPOSAL_DEADLINES_MINUTES", 5)
    SCHEDULE_ORDER_EXPIRY_MINUTES = _env_int("DIANDAN_SCHEDULE_ORDER_EXPIRY_MINUTES", 30)
    SCHEDULE_ROSTER_DAY = os.environ.get("DIANDAN_SCHEDULE_ROSTER_DAY", "sun")
    SCHEDULE_ROSTER_TIME = os.environ.get("DIANDAN_SCHEDULE_ROSTER_TIME", "18:00")
    SCHEDULE_REMINDER_TIME = os.environ.get("DIANDAN_SCHEDULE_REMINDER_TIME", "17:00")
    SCHEDULE_COVERAGE_TIME = os.environ.get("DIANDAN_SCHEDULE_COVERAGE_TIME", "01:30")
    SCHEDULE_NOTIFY_SECONDS = _env_int("DIANDAN_SCHEDULE_NOTIFY_SECONDS", 60)
    SCHEDULE_HOUSEKEEPING_TIME = os.environ.get("DIANDAN_SCHEDULE_HOUSEKEEPING_TIME", "03:00")
    SCHEDULE_DEMAND_REMINDER_TIME = os.environ.get("DIANDAN_SCHEDULE_DEMAND_REMINDER_TIME", "09:00")
    # Owners of deliberation demands are reminded this many days before the due date (and once when overdue).
    DELIBERATION_REMIND_DAYS = _env_int("DIANDAN_DELIBERATION_REMIND_DAYS", 3)
    # Housekeeping drops job runs and finished outbox messages older than these.
    SCHEDULER_JOB_LOG_DAYS = _env_int("DIANDAN_SCHEDULER_JOB_LOG_DAYS", 90)
    # Finished messages are emptied of personal data at once; the remaining rows go after this many days.
    NOTIFY_KEEP_DAYS = _env_int("DIANDAN_NOTIFY_KEEP_DAYS", 30)

    # Rosters: publication covers the week holding (publication time + this lead), e.g. Sunday 18:00 -> next week.
    ROSTER_PUBLISH_LEAD_HOURS = _env_int("DIANDAN_ROSTER_PUBLISH_LEAD_HOURS", 24)
    # iCalendar feeds span this many days back and ahead; UIDs end in this domain so they stay globally unique.
    ROSTER_FEED_PAST_DAYS = _env_int("DIANDAN_ROSTER_FEED_PAST_DAYS", 30)
    ROSTER_FEED_FUTURE_DAYS = _env_int("DIANDAN_ROSTER_FEED_FUTURE_DAYS", 120)
    # A calendar feed link stops working this many days after it was made (make a new one on the roster page).
    ROSTER_FEED_TOKEN_DAYS = _env_int("DIANDAN_ROSTER_FEED_TOKEN_DAYS", 180)
    ROSTER_UID_DOMAIN = os.environ.get("DIANDAN_ROSTER_UID_DOMAIN", "diandan.local")

    # Notifications: an outbox delivered by the scheduler; channels tried for every recipient who has an address.
    NOTIFY_ENABLED = os.environ.get("DIANDAN_NOTIFY_ENABLED", "1") == "1"
    NOTIFY_CHANNELS = _env_list("DIANDAN_NOTIFY_CHANNELS", "log")
    # channel -> "module:Class" to plug in another sender (e.g. a real SMS gateway client).
    NOTIFY_SENDERS: dict[str, str] = {}
    NOTIFY_MAX_ATTEMPTS = _env_int("DIANDAN_NOTIFY_MAX_ATTEMPTS", 6)
    NOTIFY_BACKOFF_BASE_S = _env_int("DIANDAN_NOTIFY_BACKOFF_BASE_S", 60)
    NOTIFY_BACKOFF_MAX_S = _env_int("DIANDAN_NOTIFY_BACKOFF_MAX_S", 6 * 3600)
    NOTIFY_BATCH_SIZE = _env_int("DIANDAN_NOTIFY_BATCH_SIZE", 200)
    # A message claimed this long ago and never finished may have gone out; it is failed, not resent.
    NOTIFY_STALE_SENDING_MINUTES = _env_int("DIANDAN_NOTIFY_STALE_SENDING_MINUTES", 15)
    SMTP_HOST = os.environ.get("DIANDAN_SMTP_HOST", "")
    SMTP_PORT = _env_int("DIANDAN_SMTP_PORT", 587)
    SMTP_USERNAME = os.environ.get("DIANDAN_SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("DIANDAN_SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("DIANDAN_SMTP_STARTTLS", "1") == "1"
    SMTP_SSL = os.environ.get("DIANDAN_SMTP_SSL", "0") == "1"
    SMTP_FROM = os.environ.get("DIANDAN_SMTP_FROM", "diandan@localhost")
    SMTP_TIMEOUT_S = _env_float("DIANDAN_SMTP_TIMEOUT_S", 10.0)
    SMS_GATEWAY_URL = os.environ.get("DIANDAN_SMS_GATEWAY_URL", "")
    SMS_GATEWAY_TOKEN = os.environ.get("DIANDAN_SMS_GATEWAY_TOKEN", "")
    WECHAT_TEMPLATE_URL = os.environ.get("DIANDAN_WECHAT_TEMPLATE_URL", "")
    WECHAT_ACCESS_TOKEN = os.environ.get("DIANDAN_WECHAT_ACCESS_TOKEN", "")
    WECHAT_TEMPLATE_ID = os.environ.get("DIANDAN_WECHAT_TEMPLATE_ID", "")


class TestingConfig(Config):
    """Isolated database per test session; CSRF off so forms can be posted directly."""

    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = normalize_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False
    # Cheap hashing keeps fixtures fast; never use outside tests.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    DATA_KEYS = ["dGVzdGluZy1vbmx5LWRhdGEta2V5LTAwMDAwMDAwMDA="]
    DISPATCH_TIME_LIMIT_S = 5.0
