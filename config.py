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
    PROPOSAL_DEADLINE_HOURS = _env_int("DIANDAN_PROPOSAL_DEADLINE_HOURS", 24)
    # Soft preferences (weights; 0 turns one off).
    PREFER_LOWER_TIER_WEIGHT = _env_float("DIANDAN_PREFER_LOWER_TIER_WEIGHT", 1.0)
    FAIR_SPREAD_WEIGHT = _env_float("DIANDAN_FAIR_SPREAD_WEIGHT", 0.5)
    REPEAT_TEAM_WEIGHT = _env_float("DIANDAN_REPEAT_TEAM_WEIGHT", 0.5)

    # Points awarded per served hour (incentives).
    POINTS_PER_HOUR = _env_int("DIANDAN_POINTS_PER_HOUR", 10)

    # Map: no tile layer by default so the map works offline.
    MAP_TILE_URL = os.environ.get("DIANDAN_MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("DIANDAN_MAP_TILE_ATTRIBUTION", "")


class TestingConfig(Config):
    """Isolated database per test session; CSRF off so forms can be posted directly."""

    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = normalize_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False
    # Cheap hashing keeps fixtures fast; never use outside tests.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    DISPATCH_TIME_LIMIT_S = 5.0
