"""The `hubbub` command line."""

from __future__ import annotations

import sys

import click

from .settings import SettingsError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """hubbub: event-sourced chat and notifications."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes sharing the port (more than 1 needs HUBBUB_REDIS_URL).")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API and the Socket.IO gateway (/socket.io) under uvicorn, on one port.

    On SIGTERM or SIGINT uvicorn stops accepting connections, lets requests in flight finish
    (up to HUBBUB_SHUTDOWN_TIMEOUT_S), then runs the app's shutdown, which closes the stores.
    With --workers N, uvicorn's supervisor does the same for each worker and restarts one that dies.
    """
    import uvicorn

    from .http.app import served
    from .http.slow_clients import PROTOCOL
    from .logging import configure_logging
    from .preflight import check_stores
    from .settings import check_workers

    settings = _settings()
    try:
        check_workers(settings, workers)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    try:
        check_stores(settings)
    except SettingsError as error:
        click.echo(f"hubbub: {error}", err=True)
        sys.exit(2)
    configure_logging(settings.log_level)
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from FORWARDED_ALLOW_IPS
    # (127.0.0.1 by default); only HUBBUB_TRUSTED_PROXIES decides that (security.client_ip).
    options = {"host": host, "port": port, "log_config": None, "log_level": settings.log_level.lower(),
               "access_log": False, "timeout_graceful_shutdown": settings.shutdown_timeout_s,
               "proxy_headers": False, "http": PROTOCOL}
    if workers == 1:
        uvicorn.run(served(settings), **options)
    else:  # each worker builds its own app from the same environment
        uvicorn.run("hubbub.adapters.http.app:app_from_environment", factory=True, workers=workers, **options)


@main.group()
def users() -> None:
    """Manage accounts."""


@users.command()
@click.argument("username")
def promote(username: str) -> None:
    """Grant the admin role to USERNAME (never possible over HTTP)."""
    import asyncio

    from hubbub.application.commands import Promote
    from hubbub.application.context import CommandContext

    from .bootstrap import start_runtime

    async def promoted() -> int:
        runtime = await start_runtime(_settings(), start_projections=False)
        try:
            return await runtime.commands.submit(Promote(username), CommandContext.system(causation_id="cli:users-promote"))
        finally:
            await runtime.close()

    try:
        position = asyncio.run(promoted())
    except Exception as error:  # noqa: BLE001 - the CLI reports domain errors as a message
        raise click.ClickException(str(error)) from None
    click.echo(f"{username} is an admin (position {position})")


def _settings():
    try:
        return load_settings()
    except SettingsError as error:
        click.echo(f"hubbub: {error}", err=True)
        sys.exit(2)


def _register_projections() -> None:
    from .background.cli import projections
    from .cli_audit import audit

    main.add_command(projections)
    main.add_command(audit)


_register_projections()


if __name__ == "__main__":  # `python -m hubbub.adapters.cli`: how the web process starts its background host
    main()
