"""Configuration: a Config class reading the environment with defaults, plus TestingConfig."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


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

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
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
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ["zh_Hans_CN", "en"]
    TIMEZONE = "Asia/Shanghai"

    WTF_CSRF_TIME_LIMIT = None

    # Auth
    PASSWORD_HASH_METHOD = "scrypt"
    API_TOKEN_HOURS = _env_int("DIANDAN_API_TOKEN_HOURS", 24 * 7)

    # Dispatch
    DISPATCH_HORIZON_DAYS = _env_int("DIANDAN_DISPATCH_HORIZON_DAYS", 14)
    DISPATCH_TIME_LIMIT_S = _env_float("DIANDAN_DISPATCH_TIME_LIMIT_S", 10.0)
    DISPATCH_SEED = _env_int("DIANDAN_DISPATCH_SEED", 0)
    ROAD_FACTOR = _env_float("DIANDAN_ROAD_FACTOR", 1.3)
    SPEED_KMH = _env_float("DIANDAN_SPEED_KMH", 30.0)
    ORDER_MAX_DAYS_AHEAD = _env_int("DIANDAN_ORDER_MAX_DAYS_AHEAD", 60)
    # Escalate an order one tier (village -> township -> county) after this many declines or lapses at its tier.
    ESCALATE_AFTER_REJECTIONS = _env_int("DIANDAN_ESCALATE_AFTER_REJECTIONS", 1)
    # Also escalate when a run finds no team at the order's tier (and retry within the same run).
    ESCALATE_WHEN_UNSERVED = os.environ.get("DIANDAN_ESCALATE_WHEN_UNSERVED", "1") == "1"
    # Orders are not proposed to start sooner than this, so a team has time to answer and travel.
    DISPATCH_MIN_LEAD_MINUTES = _env_int("DIANDAN_DISPATCH_MIN_LEAD_MINUTES", 120)
    PROPOSAL_DEADLINE_HOURS = _env_int("DIANDAN_PROPOSAL_DEADLINE_HOURS", 24)
    # Soft preferences (weights; 0 turns one off).
    PREFER_LOWER_TIER_WEIGHT = _env_float("DIANDAN_PREFER_LOWER_TIER_WEIGHT", 1.0)
    FAIR_SPREAD_WEIGHT = _env_float("DIANDAN_FAIR_SPREAD_WEIGHT", 0.5)
    REPEAT_TEAM_WEIGHT = _env_float("DIANDAN_REPEAT_TEAM_WEIGHT", 0.5)

    # Points awarded per served hour (incentives).
    POINTS_PER_HOUR = _env_int("DIANDAN_POINTS_PER_HOUR", 10)
    # Extra points each volunteer on an order earns when the resident gives it 5 stars.
    POINTS_FIVE_STAR_BONUS = _env_int("DIANDAN_POINTS_FIVE_STAR_BONUS", 5)

    # Coverage: a station x priority with no served order in this many days is a gap.
    COVERAGE_GAP_DAYS = _env_int("DIANDAN_COVERAGE_GAP_DAYS", 90)
    # Period (days ending today) the coverage API shows when no start is given.
    COVERAGE_DEFAULT_DAYS = _env_int("DIANDAN_COVERAGE_DEFAULT_DAYS", 30)
    # The nightly snapshot records coverage over this many days ending on the snapshot day.
    COVERAGE_SNAPSHOT_WINDOW_DAYS = _env_int("DIANDAN_COVERAGE_SNAPSHOT_WINDOW_DAYS", 30)
    # Map colour classes: fulfilment at or above GOOD is "high", below POOR is "low", between is "medium".
    COVERAGE_GOOD_FULFILMENT = _env_float("DIANDAN_COVERAGE_GOOD_FULFILMENT", 0.8)
    COVERAGE_POOR_FULFILMENT = _env_float("DIANDAN_COVERAGE_POOR_FULFILMENT", 0.5)
    # Extra points each volunteer on an order earns when the resident gives it 5 stars.
    POINTS_FIVE_STAR_BONUS = _env_int("DIANDAN_POINTS_FIVE_STAR_BONUS", 5)

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
    # Rows per page on the staff order list.
    ORDER_LIST_PAGE_SIZE = _env_int("DIANDAN_ORDER_LIST_PAGE_SIZE", 50)


class TestingConfig(Config):
    """Isolated database per test session; CSRF off so forms can be posted directly."""

    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = normalize_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False
    # Cheap hashing keeps fixtures fast; never use outside tests.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    DISPATCH_TIME_LIMIT_S = 5.0
