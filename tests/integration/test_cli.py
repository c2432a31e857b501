"""The `hubbub` command line, run as a real process against a real SQLite store."""

import os
import subprocess
import sys
from pathlib import Path

from hubbub.adapters.bootstrap import bootstrap
from hubbub.adapters.settings import Settings
from tests.contract.fakes import PlainHasher
from tests.services import require_postgres
from tests.commanding import Do

HUBBUB = [sys.executable, "-c", "from hubbub.adapters.cli import main; main()"]


def run(args, data_dir, **env):
    environ = {**os.environ, "HUBBUB_DATA_DIR": str(data_dir), "HUBBUB_ENV_FILE": "", **env}
    return subprocess.run(HUBBUB + args, capture_output=True, text=True, env=environ, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])


def test_help_lists_every_command(tmp_path):
    out = run(["--help"], tmp_path).stdout
    assert "serve" in out and "users" in out


def test_users_promote_grants_admin_through_the_event_log(tmp_path):
    services = bootstrap(Settings(data_dir=str(tmp_path)), hasher=PlainHasher())
    Do(services).register("boss", "long enough pw")
    services.close()
    result = run(["users", "promote", "BOSS"], tmp_path)
    assert result.returncode == 0, result.stderr
    services = bootstrap(Settings(data_dir=str(tmp_path)), hasher=PlainHasher())
    assert services.accounts.find("boss").is_admin
    services.close()


def test_promoting_an_unknown_user_fails_with_a_message(tmp_path):
    result = run(["users", "promote", "ghost"], tmp_path)
    assert result.returncode != 0 and "not found" in result.stderr


def test_a_bad_setting_stops_the_cli_with_a_clear_message(tmp_path):
    result = run(["users", "promote", "x"], tmp_path, HUBBUB_EVENT_STORE_URL="mysql://nope/x")
    assert result.returncode == 2 and "HUBBUB_EVENT_STORE_URL" in result.stderr


def serve_refused(tmp_path, **env):
    result = run(["serve", "--port", "1"], tmp_path, HUBBUB_PROJECTIONS="off", **env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_serve_stops_with_one_line_when_the_postgresql_schema_is_missing(tmp_path):
    url = require_postgres() + "?schema=no_such_schema_" + tmp_path.name[-12:].lower().replace("-", "_")
    line = serve_refused(tmp_path, HUBBUB_EVENT_STORE_URL=url)
    assert "HUBBUB_EVENT_STORE_URL" in line and "does not exist" in line


def test_serve_stops_with_one_line_when_the_database_refuses(tmp_path):
    url = require_postgres().rsplit("/", 1)[0] + "/no_such_database_hubbub?connect_timeout=2"
    line = serve_refused(tmp_path, HUBBUB_EVENT_STORE_URL=url)
    assert "HUBBUB_EVENT_STORE_URL" in line and "cannot be opened" in line


def test_serve_stops_with_one_line_when_the_sqlite_folder_cannot_be_made(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    line = serve_refused(tmp_path, HUBBUB_EVENT_STORE_URL=f"sqlite:///{tmp_path}/a-file/events.sqlite3")
    assert "HUBBUB_EVENT_STORE_URL" in line


def test_serve_stops_with_one_line_for_a_bad_redis_url(tmp_path):
    line = serve_refused(tmp_path, HUBBUB_REDIS_URL="http://not-redis:6379")
    assert "HUBBUB_REDIS_URL" in line
