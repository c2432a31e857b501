"""`hubbub audit …`: the audit trail for an operator on the host. Every reading is recorded in
the log like an admin's over HTTP, as the system acting for the operating system user."""

from __future__ import annotations

import asyncio
import getpass
import json
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

from hubbub.projections.audit.queries import EventFilter

from .background.cli import _progress

err = Console(stderr=True)


@click.group()
def audit() -> None:
    """Inspect the log: who did what through which request, state at any version, verify, export."""


def _ask(question: Callable[[Any], Awaitable[Any]], catch_up: bool = True) -> Any:
    """`question(runtime)` on a runtime started for this command (no projectors of its own);
    a domain error is printed as the command's error."""
    from hubbub.domain.errors import DomainError

    from .bootstrap import start_runtime
    from .cli import _settings

    async def asked() -> Any:
        settings = _settings()
        runtime = await start_runtime(settings, start_projections=False)
        host = None
        try:
            if catch_up:
                host = await runtime.executors.in_thread(_audit_host_unless_hosted, settings, runtime)
            return await question(runtime)
        finally:
            if host is not None:
                await runtime.executors.in_thread(host.stop)
            await runtime.close()

    try:
        return asyncio.run(asked())
    except DomainError as error:
        raise click.ClickException(str(error)) from None


def _audit_host_unless_hosted(settings, runtime):
    """With no background host holding the lease (no server running), nothing else would bring
    the audit consumers up to the log's head, nor consume this command's own record: the command
    runs them itself, as the host would, until it ends (positions move by compare and set, so a
    host starting meanwhile loses nothing). None when a host holds the lease."""
    from hubbub.projections.runtime.consumer import ConsumerFollower
    from hubbub.projections.runtime.log import EventLog
    from hubbub.projections.runtime.pump import replay
    from hubbub.projections.runtime.supervisor import Supervisor

    from .audit.bootstrap import audit_consumers

    read_store = runtime.read_models.read_store
    record = read_store.lease().record()
    if record is not None and not record.expired:
        return None
    log, consumers = EventLog(runtime.services.app), audit_consumers(settings, read_store)
    with _progress(err) as progress:
        task = progress.add_task("indexing the log", total=log.head())
        replay(log, [ConsumerFollower(c) for c in consumers], progress=lambda covered: progress.advance(task, covered))
    host = Supervisor(log, read_store, [], consumers)
    host.start()
    return host


def _operator():
    from hubbub.application.context import CommandContext

    return CommandContext.system(causation_id=f"cli:{getpass.getuser()}@{socket.gethostname()}")


@audit.command()
@click.option("--aggregate", "aggregate_id", type=click.UUID, help="Only this aggregate's events.")
@click.option("--actor", "actor_id", type=click.UUID, help="Only events this user caused.")
@click.option("--type", "event_type", help="Only this event type, e.g. Message.Sent.")
@click.option("--since", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]), help="From this time (UTC if no offset).")
@click.option("--until", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]), help="Before this time.")
@click.option("--after-position", type=click.IntRange(0), help="Only positions after this one.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100))
@click.option("--oldest", is_flag=True, help="Oldest first (default: newest first).")
@click.option("--cursor", type=click.IntRange(0), help="The next_cursor of the previous page.")
@click.option("--json", "as_json", is_flag=True, help="Print the page as JSON.")
def events(aggregate_id: UUID | None, actor_id: UUID | None, event_type: str | None, since: datetime | None,
           until: datetime | None, after_position: int | None, limit: int, oldest: bool, cursor: int | None,
           as_json: bool) -> None:
    """A page of the log's events, filtered by the audit index."""
    wanted = EventFilter(
        aggregate_id=aggregate_id and str(aggregate_id), actor_id=actor_id and str(actor_id), type=event_type,
        since=_utc(since), until=_utc(until), after_position=after_position, newest_first=not oldest,
        cursor=cursor, limit=limit,
    )
    page = _ask(lambda runtime: runtime.audit.events(_operator(), wanted))
    if as_json:
        click.echo(json.dumps(page, indent=2))
        return
    table = Table("position", "at (UTC)", "type", "aggregate", "v", "actor", "request", title="hubbub audit events")
    for item in page["items"]:
        table.add_row(str(item["position"]), (item["at"] or "")[:19].replace("T", " "), item["type"],
                      _short(item["aggregate_id"]), str(item["version"]), _short(item["actor_id"]),
                      _short(item["correlation_id"]))
    Console().print(table)
    if page["next_cursor"]:
        err.print(f"more: --cursor {page['next_cursor']}")


@audit.command()
@click.argument("aggregate_id", type=click.UUID)
@click.option("--version", type=click.IntRange(1), help="As it was at this version (default: the last).")
def show(aggregate_id: UUID, version: int | None) -> None:
    """An aggregate's state, rebuilt from its events."""
    answer = _ask(lambda runtime: runtime.audit.aggregate(_operator(), aggregate_id, version))
    Console().print_json(data=answer)


@audit.command()
@click.option("--from", "start", default=1, show_default=True, type=click.IntRange(1))
@click.option("--to", "stop", type=click.IntRange(1), help="Last position to check (default: the chain's head).")
def verify(start: int, stop: int | None) -> None:
    """Recompute the hash chain and check the signed checkpoints; exit 1 naming the first bad position."""
    with _progress(err) as progress:
        task = progress.add_task("verifying", total=None)
        report = _ask(lambda runtime: runtime.audit.verify(
            _operator(), start, stop, lambda done, head: progress.update(task, completed=done, total=head)))
    if not report.ok:
        err.print(f"[red]position {report.first_bad_position}: {report.reason}[/] ({report.checked:,} checked)")
        sys.exit(1)
    err.print(f"[green]ok[/]: {report.checked:,} positions verified, chain head {report.head:,}")


@audit.command()
@click.option("--after-position", default=0, show_default=True, type=click.IntRange(0), help="Resume after this position.")
@click.option("--output", "-o", type=click.File("wb"), default="-", help="Where to write (default: stdout).")
def export(after_position: int, output) -> None:
    """The log as NDJSON, one event a line, in position order."""

    async def exported(runtime) -> None:
        chunks = await runtime.audit.export(_operator(), after_position)
        head = await runtime.executors.in_thread(runtime.services.app.head)
        with _progress(err) as progress:
            task = progress.add_task("exporting", total=max(head - after_position, 0))
            await runtime.executors.in_thread(_write, chunks, output, lambda lines: progress.advance(task, lines))

    _ask(exported)


def _write(chunks, output, advance: Callable[[int], None]) -> None:
    for chunk in chunks:
        output.write(chunk)
        advance(chunk.count(b"\n"))


def _short(identifier: str | None) -> str:
    """Ids cut to 8 characters fit a terminal; --json prints them whole."""
    return (identifier or "")[:8]


def _utc(value: datetime | None) -> datetime | None:
    """A time given without an offset is taken as UTC."""
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=timezone.utc)


@audit.command()
@click.argument("user_id", type=click.UUID)
@click.option("--reason", required=True, help="Why (kept in the log with the erasure).")
@click.confirmation_option(prompt="Destroy this user's key? Their personal data cannot be read again")
def erase(user_id: UUID, reason: str) -> None:
    """Erase a user's personal data (crypto-shredding): their key is destroyed, no event changes."""
    from hubbub.application.commands import EraseUser

    position = _ask(lambda runtime: runtime.commands.submit(EraseUser(user_id, reason), _operator()), catch_up=False)
    err.print(f"[green]erased[/]: {user_id} (position {position})")
