"""The `diandan` command: a Flask CLI group around create_app with the project's commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def _create_app() -> Flask:
    from app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Diandan (点单): menu-style volunteer service."""


@click.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
@click.option("--volunteers", "volunteer_count", default=600, show_default=True, help="Volunteers (up to 10,000).")
@click.option("--orders", "order_count", default=120, show_default=True, help="Open orders to create.")
@click.option("--seed", default=7, show_default=True)
@click.option("--reset/--no-reset", default=False, help="Delete all data first.")
@click.option("--yes", is_flag=True, help="Do not ask before --reset deletes everything.")
@with_appcontext
def demo_load(volunteer_count: int, order_count: int, seed: int, reset: bool, yes: bool) -> None:
    """Load a deterministic demo county shaped like Pengyang (1 centre, 12 institutes, 18 stations)."""
    from app.demo.loader import load_demo
    from app.extensions import db

    if reset and not yes:
        click.confirm(f"--reset deletes ALL data in {_database_label()}. Continue?", abort=True)

    try:
        summary = load_demo(volunteers=volunteer_count, orders=order_count, seed=seed, reset=reset)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@click.group("dispatch")
def dispatch_group() -> None:
    """Dispatch (派单)."""


@dispatch_group.command("run")
@click.option("--county", "county_code", default=None, help="Station code of one county centre (default: all).")
@click.option("--time-limit", type=float, default=None, help="Seconds per county (default from config).")
@click.option(
    "--dump",
    "dump_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Also write each solved instance and solution (diandan.match/1 JSON) into this folder.",
)
@click.option("--queue", "queue_only", is_flag=True, help="Only queue the runs for the scheduler or the workers.")
@with_appcontext
def dispatch_run(county_code: str | None, time_limit: float | None, dump_dir: str | None, queue_only: bool) -> None:
    """Run the matching engine over open orders now and store proposals."""
    from flask import current_app

    from app.dispatch.border import dispatch_counties
    from app.extensions import db

    if queue_only:
        from app.dispatch.queue import queue_runs, send_to_workers

        queued = queue_runs(county_code=county_code, actor=None, trigger="cli", time_limit=time_limit)
        send_to_workers(queued)
        db.session.commit()
        for run in queued:
            click.echo(f"run {run.id} county={run.county.code} status={run.status}")
        return
    if dump_dir:
        current_app.config["DISPATCH_DUMP_DIR"] = dump_dir
    runs = dispatch_counties(county_code=county_code, trigger="cli", actor=None, time_limit=time_limit)
    db.session.commit()
    for run in runs:
        click.echo(
            f"run {run.id} county={run.county.code} status={run.status} considered={run.orders_considered} "
            f"proposed={run.orders_proposed} unassigned={run.orders_unassigned} served_priority={run.served_priority} "
            f"bound={run.bound} travel_km={run.travel_km:.1f} seconds={run.seconds:.2f}"
        )


@click.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--role", type=click.Choice(["resident", "station_staff", "volunteer", "team_lead", "county_staff", "admin"])
)
@click.option("--station", "station_code", default=None, help="Scope station code.")
@click.option("--name", "display_name", default=None)
@with_appcontext
def users_create(username: str, password: str, role: str, station_code: str | None, display_name: str | None) -> None:
    """Create a user account."""
    from app.accounts.service import create_user
    from app.extensions import db

    user = create_user(
        username=username, password=password, role=role, station_code=station_code, display_name=display_name
    )
    db.session.commit()
    click.echo(f"created user {user.username} ({user.role})")


def _database_label() -> str:
    from flask import current_app
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


def _on_the_database(step: Callable[..., object], **paths: Path) -> None:
    """Run a backup or restore step on the configured database; its failure is the command's error message."""
    from flask import current_app

    from app.maintenance.backup import BackupError

    try:
        step(url=current_app.config["SQLALCHEMY_DATABASE_URI"], **paths)
    except BackupError as error:
        raise click.ClickException(str(error)) from error


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent backup of the database to TARGET (pg_dump custom format, or a SQLite file)."""
    from app.maintenance.backup import backup

    _on_the_database(backup, target=target)
    click.echo(f"backup of {_database_label()} written to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing everything in the database.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE (stop the web workers and scheduler first)."""
    from app.extensions import db
    from app.maintenance.backup import restore

    if not yes:
        click.confirm(f"Restoring replaces ALL data in {_database_label()} with {source}. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    _on_the_database(restore, source=source)
    click.echo(f"{_database_label()} restored from {source}")


@click.group("keys")
def keys_group() -> None:
    """Data keys for personal data at rest (DATA_KEYS)."""


@keys_group.command("generate")
def keys_generate() -> None:
    """Print a new random data key (put it first in DIANDAN_DATA_KEYS, then run `diandan keys rotate`)."""
    from app.core.crypto import generate_key

    click.echo(generate_key())


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-encrypt every phone under the first key of DATA_KEYS; afterwards the older keys may be removed."""
    from app.audit import record
    from app.extensions import db
    from app.maintenance.keys import rotate_all

    counts = rotate_all()
    record("keys.rotated", target_type="data_keys", details={k: v for k, v in counts.items()})
    db.session.commit()
    for column, count in counts.items():
        click.echo(f"{column}: {count} re-encrypted")


@keys_group.command("digests")
@with_appcontext
def keys_digests() -> None:
    """Compute the phone digest of every account that lacks one (or holds one under an older SECRET_KEY)."""
    from app.extensions import db
    from app.maintenance.phones import backfill_phone_digests

    changed = backfill_phone_digests(db.session.connection())
    db.session.commit()
    click.echo(f"users.phone_digest: {changed} filled in")


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check every invariant (no double booking, one live proposal per order, ...); exit 1 on any violation."""
    from app.integrity.service import find_violations

    violations = find_violations()
    for violation in violations:
        click.echo(str(violation))
    if violations:
        raise click.exceptions.Exit(1)
    click.echo("all invariants hold")


def install_commands(app: Flask) -> None:
    """Attach the command groups to the app's CLI."""
    app.cli.add_command(doctor)
    app.cli.add_command(demo_group)
    app.cli.add_command(dispatch_group)
    app.cli.add_command(users_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(keys_group)
    # `diandan scheduler ...` comes from the schedules package through the flask.commands entry point,
    # so that app never imports schedules (dependencies run schedules -> app -> matching).
