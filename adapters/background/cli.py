"""`hubbub projections status`, `hubbub projections rebuild NAME|all` and `hubbub projections run`
(the background host in the foreground)."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Column, Table
from rich.text import Text

from hubbub.projections.registry import NAMES, PROJECTORS, selected


@click.group()
def projections() -> None:
    """Read models and the background host: where each consumer stands, rebuilding read models
    from the log, running the background host."""


@projections.command()
def status() -> None:
    """The background host holding the lease, its last heartbeat, and each consumer's version,
    shape (and whether a rebuild into this release's shape is pending or running), position,
    state, last error and lag."""
    from hubbub.projections.runtime.log import EventLog
    from hubbub.projections.runtime.progress import StoredProgress

    services, read_store = _open()
    try:
        lease = read_store.lease()
        statuses = StoredProgress(EventLog(services.app), read_store, PROJECTORS, lease).statuses()
        console = Console()
        console.print(_holder(lease.record()))
        table = Table("consumer", "version", Column("shape", no_wrap=True), "position", "head", "lag", "state",
                      "last error", title="hubbub background")
        for s in statuses:
            table.add_row(s.name, str(s.version or "–"), _shape(read_store, s), f"{s.position:,}", f"{s.head:,}",
                          f"{s.lag:,}", s.state, s.error or "")
        console.print(table)
    finally:
        read_store.close()
        services.close()


def _shape(read_store, status) -> str:
    """The serving version's shape, then this release's when they differ ("pending" until a
    background host of this release rebuilds it; its state is "rebuilding" meanwhile)."""
    from hubbub.projections.runtime.upgrade import built_shape
    from hubbub.projections.store import VersionGone

    wanted = next((p for p in PROJECTORS if p.name == status.name), None)
    if wanted is None or not status.version:
        return "–"
    try:
        built = built_shape(read_store.open(wanted.name, status.version, wanted.collections))
    except VersionGone:  # switched just now
        return "–"
    if built == wanted.shape:
        return built
    # Behind or failing, a projection being rebuilt is starting or retrying first.
    underway = status.state in ("rebuilding", "starting", "retrying")
    return f"{built} → {wanted.shape}" + ("" if underway else " pending")


def _holder(record) -> str:
    if record is None:
        return "background host: none holds the lease"
    state = "expired" if record.expired else f"last heartbeat {record.silent_s:.1f} s ago"
    return f"background host: {record.holder} ({state}, at {record.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)"


@projections.command()
@click.option("--parent-pid", type=int, default=None, help="Exit when this process is gone (set by `hubbub serve`).")
def run(parent_pid: int | None) -> None:
    """Run the background host in the foreground until SIGTERM or SIGINT: every log consumer
    (projectors included) while it holds the read store's background lease, standby otherwise.

    For HUBBUB_PROJECTIONS=off, where the web processes run none; `hubbub serve` starts one
    itself under HUBBUB_PROJECTIONS=process. Several may run: one holds the lease, the others
    stand by and take over when it dies.
    """
    from ..cli import _settings
    from ..logging import configure_logging
    from .run import run_background

    settings = _settings()
    configure_logging(settings.log_level)
    run_background(settings, parent_pid)


@projections.command()
@click.argument("name", type=click.Choice([*NAMES, "all"]))
@click.option("--grace", default=2.0, show_default=True, help="Seconds the old version lingers after the switch.")
def rebuild(name: str, grace: float) -> None:
    """Replay the log into a fresh version of NAME (or all), then switch to it.

    The old version keeps serving until the switch; Ctrl-C leaves it serving and drops the new one.
    """
    from hubbub.projections.runtime.log import EventLog
    from hubbub.projections.runtime.rebuild import RebuildFailed
    from hubbub.projections.runtime.rebuild import rebuild as rebuild_projections

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
    from ..bootstrap import bootstrap
    from ..cli import _settings
    from ..readstore import open_read_store

    settings = _settings()
    services = bootstrap(settings)
    return services, open_read_store(settings.read_store_url, settings.data_dir, settings.mongodb_timeout_s)
