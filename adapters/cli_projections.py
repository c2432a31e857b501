"""`hubbub projections status`, `hubbub projections rebuild NAME|all` and `hubbub projections run`."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table
from rich.text import Text

from hubbub.projections.registry import NAMES, PROJECTORS, selected


@click.group()
def projections() -> None:
    """Read models: where each stands, rebuilding them from the log, running their projectors."""


@projections.command()
def status() -> None:
    """Each projection's serving version, stored position, the log head and the lag."""
    from hubbub.projections.log import EventLog

    services, read_store = _open()
    try:
        head = EventLog(services.app).head()
        table = Table("projection", "version", "position", "head", "lag", title="hubbub read models")
        for projector in PROJECTORS:
            version = read_store.active_version(projector.name)
            position = read_store.open(projector.name, version, projector.collections).position() if version else 0
            table.add_row(projector.name, str(version or "–"), f"{position:,}", f"{head:,}", f"{head - position:,}")
        Console().print(table)
    finally:
        read_store.close()
        services.close()


@projections.command()
@click.option("--parent-pid", type=int, default=None, help="Exit when this process is gone (set by `hubbub serve`).")
@click.option("--status-fd", type=int, default=None, hidden=True, help="Write state reports here (set by `hubbub serve`).")
def run(parent_pid: int | None, status_fd: int | None) -> None:
    """Run every projector in the foreground until SIGTERM or SIGINT.

    For HUBBUB_PROJECTIONS=off, where the web processes run none (one such process per
    deployment); `hubbub serve` starts one itself under HUBBUB_PROJECTIONS=process.
    """
    from .cli import _settings
    from .logging import configure_logging
    from .projection_process import run_projectors

    settings = _settings()
    configure_logging(settings.log_level)
    run_projectors(settings, parent_pid, status_fd)


@projections.command()
@click.argument("name", type=click.Choice([*NAMES, "all"]))
@click.option("--grace", default=2.0, show_default=True, help="Seconds the old version lingers after the switch.")
def rebuild(name: str, grace: float) -> None:
    """Replay the log into a fresh version of NAME (or all), then switch to it.

    The old version keeps serving until the switch; Ctrl-C leaves it serving and drops the new one.
    """
    from hubbub.projections.log import EventLog
    from hubbub.projections.rebuild import RebuildFailed
    from hubbub.projections.rebuild import rebuild as rebuild_projections

    services, read_store = _open()
    console = Console()
    try:
        with _progress(console) as progress:
            task = progress.add_task(f"rebuilding {name}", total=None)
            versions = rebuild_projections(
                EventLog(services.app), read_store, selected(name),
                progress=lambda done, head: progress.update(task, completed=done, total=head), grace_s=grace,
            )
        console.print("switched: " + ", ".join(f"{n} → v{v}" for n, v in versions.items()))
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: the old version keeps serving; the partial one was dropped[/]")
        sys.exit(130)
    except RebuildFailed as error:
        raise click.ClickException(f"rebuild failed, the old version keeps serving: {error}") from None
    finally:
        read_store.close()
        services.close()


class EventsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        # rich forgets the recent speed once a task finishes: show the average instead.
        speed = task.speed if not task.finished else task.completed / max(task.finished_time or 0, 1e-9)
        return Text(f"{speed or 0:>9,.0f} ev/s", style="cyan")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), EventsPerSecond(),
        TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn(), console=console,
    )


def _open():
    from .bootstrap import bootstrap
    from .cli import _settings
    from .readstore import open_read_store

    settings = _settings()
    services = bootstrap(settings)
    return services, open_read_store(settings.read_store_url, settings.data_dir, settings.mongodb_timeout_s)
