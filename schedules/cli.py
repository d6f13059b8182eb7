"""`diandan scheduler ...` commands."""

import click


@click.group("scheduler")
def scheduler_group() -> None:
    """The job scheduler (one process; never inside a web worker)."""
