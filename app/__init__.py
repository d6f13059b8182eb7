"""Diandan (点单): the Flask application factory."""

from __future__ import annotations

from flask import Flask

from app.extensions import api, babel, csrf, db, limiter, login_manager, migrate


def create_app(config_object: object | str = "config.Config", **overrides: object) -> Flask:
    """Build the app from the settings in the environment, a config class (or its import path) and overrides."""
    from config import load_settings

    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_settings())
    app.config.from_object(config_object)
    app.config.update(overrides)
    register_security(app)
    register_url_converters(app)
    register_observability(app)
    register_extensions(app)
    register_blueprints(app)
    register_transactions(app)
    register_errorhandlers(app)
    register_signals(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_security(app: Flask) -> None:
    """The session secret, proxy headers, input guards and security headers on every response."""
    from app.core import crypto
    from app.core.logsafety import install_access_log_filter
    from app.core.security import add_security_headers, ensure_secret_key, guard_request_input

    ensure_secret_key(app)
    install_access_log_filter()
    crypto.configure(
        crypto.keys_for_app(app.config.get("DATA_KEYS") or [], app.config.get("INSTANCE_PATH") or app.instance_path)
    )
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    app.before_request(guard_request_input)
    app.after_request(add_security_headers)


def register_url_converters(app: Flask) -> None:
    """`<int:...>` in routes accepts only ids the database can hold; anything larger is a plain 404."""
    from werkzeug.routing import IntegerConverter

    from app.core.schemas import MAX_ID

    class IdConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001
            kwargs.setdefault("max", MAX_ID)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter


def register_observability(app: Flask) -> None:
    """JSON logs with a request id, and Sentry when a DSN is set (proxy headers: register_security)."""
    from app.core.logs import configure_logging, install_request_ids

    if not app.testing:
        configure_logging(json_lines=app.config["LOG_JSON"], level=app.config["LOG_LEVEL"])
    install_request_ids(app)
    if app.config["SENTRY_DSN"]:
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration

        # No request bodies, cookies or user details: they carry residents' names and phones.
        sentry_sdk.init(
            dsn=app.config["SENTRY_DSN"],
            environment=app.config["SENTRY_ENVIRONMENT"],
            integrations=[FlaskIntegration()],
            send_default_pii=False,
            max_request_body_size="never",
        )


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from app import models  # noqa: F401  (every table on the metadata before migrate binds)
    from app.accounts.auth import load_user
    from app.audit.service import write_pending_denials
    from app.i18n import remember_chosen_locale, select_locale, select_timezone

    db.init_app(app)
    _enforce_sqlite_foreign_keys()
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts_views.login"
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    from app.core import ratelimit  # noqa: F401  (registers the diandan-db:// storage before the limiter binds)

    limiter.init_app(app)
    api.init_app(app)
    _ensure_sqlite_dir(app)
    app.before_request(_forget_request_caches)
    app.before_request(remember_chosen_locale)
    app.after_request(write_pending_denials)


def _forget_request_caches() -> None:
    """Per-request caches live on g; an app context can outlive a request (tests, CLI), so clear them."""
    from flask import g

    for key in ("api_user", "_subtree_cache", "_station_children", "_login_user"):
        g.pop(key, None)


def register_blueprints(app: Flask) -> None:
    """Register the REST API blueprints (under /api/v1) and the page blueprints."""
    from app.blueprints import API_BLUEPRINTS, PAGE_BLUEPRINTS

    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))
        csrf.exempt(blueprint)
    for blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_transactions(app: Flask) -> None:
    """Each request commits once, in one place, and rolls back on any error."""
    from app.core.transactions import commit_per_request

    commit_per_request(app)


def register_errorhandlers(app: Flask) -> None:
    """JSON errors under /api, readable pages elsewhere."""
    from app.audit.service import record_refusal
    from app.core.handlers import install_error_handlers
    from app.web import errors

    install_error_handlers(app, messages=errors, on_refusal=record_refusal)


def register_signals(app: Flask) -> None:
    """Connect the packages that listen to domain signals (blinker ignores a second connect)."""
    from app.dispatch.subscribers import connect_signals as connect_dispatch
    from app.incentives.subscribers import connect_signals as connect_incentives
    from app.notifications.subscribers import connect_signals as connect_notifications

    connect_dispatch()
    connect_notifications()
    connect_incentives()


def register_template_helpers(app: Flask) -> None:
    """Jinja filters and globals shared by every page."""
    from app.core.templating import install_template_helpers

    install_template_helpers(app)


def register_commands(app: Flask) -> None:
    """The diandan CLI subcommands (demo, dispatch, scheduler ...)."""
    from app.cli import install_commands

    install_commands(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _ensure_sqlite_dir(app: Flask) -> None:
    from pathlib import Path

    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite://":
        Path(uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)


def _enforce_sqlite_foreign_keys() -> None:
    """SQLite ignores foreign keys unless asked; ask on every connection so both backends agree."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(_enforce_sqlite_foreign_keys, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):  # noqa: ANN001
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    _enforce_sqlite_foreign_keys.done = True  # type: ignore[attr-defined]
