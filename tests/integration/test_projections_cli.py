"""`hubbub projections status` and `rebuild` against an embedded store on disk."""

from __future__ import annotations

from click.testing import CliRunner

from hubbub.adapters.cli import main
from tests.unit.projections.test_shape_upgrade import forget_shape
from tests.unit.projections.world import World


def test_status_then_rebuild_all_then_status(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    world = World(tmp_path, event_store_url=url)
    room = world.room("ann", "bob")
    for i in range(30):
        world.send("ann", room, f"hello {i}")
    head = world.services.app.head()
    world.close()
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUBBUB_EVENT_STORE_URL", url)
    runner = CliRunner()

    before = runner.invoke(main, ["projections", "status"])
    assert before.exit_code == 0, before.output
    assert "rooms" in before.output and f"{head:,}" in before.output

    rebuilt = runner.invoke(main, ["projections", "rebuild", "all", "--grace", "0"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rooms → v1" in rebuilt.output and "inbox → v1" in rebuilt.output

    again = runner.invoke(main, ["projections", "rebuild", "analytics", "--grace", "0"])
    assert again.exit_code == 0 and "analytics → v2" in again.output

    after = runner.invoke(main, ["projections", "status"])
    rows = {line.split("│")[1].strip(): line for line in after.output.splitlines() if line.count("│") >= 6}
    assert rows["analytics"].split("│")[2].strip() == "2"
    assert rows["rooms"].split("│")[6].strip() == "0"  # no lag
    assert rows["inbox"].split("│")[3].strip() == "2"  # its shape


def test_status_shows_a_rebuild_pending_for_a_read_model_in_an_older_shape(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    world = World(tmp_path, event_store_url=url)
    world.catch_up()
    forget_shape(world.read_models.read_store, "inbox", 1)
    world.close()
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUBBUB_EVENT_STORE_URL", url)
    status = CliRunner().invoke(main, ["projections", "status"])
    assert status.exit_code == 0, status.output
    rows = {line.split("│")[1].strip(): line for line in status.output.splitlines() if line.count("│") >= 6}
    assert rows["inbox"].split("│")[3].strip() == "1 → 2 pending"
    assert rows["rooms"].split("│")[3].strip() == "1"


def test_rebuild_refuses_an_unknown_projection(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["projections", "rebuild", "nonsense"])
    assert result.exit_code != 0 and "nonsense" in result.output
