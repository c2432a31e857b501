"""Analytics: totals, active members, top senders, per day and the heatmap in any time zone."""

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest

from hubbub.domain.errors import InvalidInput
from hubbub.projections.analytics.heatmap import local_counts, zone_named
from hubbub.projections.analytics.projector import AnalyticsProjector
from hubbub.projections.analytics.svg import heatmap_svg
from tests.unit.projections.world import everything


def test_room_and_global_figures(world):
    busy, quiet = world.room("ann", "bob"), world.room("cat")
    for author in ("ann", "ann", "bob"):
        world.send(author, busy, "hi")
    world.send("cat", quiet, "hello")
    models = world.catch_up()
    now = datetime.now(timezone.utc)
    room = models.analytics(busy, "UTC", now=now)
    assert (room["messages_total"], room["members_active"]) == (3, 2)
    assert room["top_senders"] == [{"user_id": world.people["ann"], "count": 2},
                                   {"user_id": world.people["bob"], "count": 1}]
    assert room["per_day"][-1] == {"date": now.date().isoformat(), "count": 3} and len(room["per_day"]) == 30
    assert sum(map(sum, room["heatmap"])) == 3
    assert room["heatmap"][now.weekday()][now.hour] == 3 or now.minute == 59  # the sends took under a minute
    everywhere = models.analytics(None, "UTC", now=now)
    assert everywhere["messages_total"] == 4 and everywhere["members_active"] == 3
    assert models.analytics(busy, "UTC", now=now + timedelta(days=8))["members_active"] == 0


def test_no_document_grows_with_the_number_of_senders(world):
    """A MongoDB document may not exceed 16 MiB: per-sender figures live one document each."""
    busy, quiet = world.room("ann", "bob", "cat"), world.room("dan")
    for author in ("ann", "bob", "cat", "ann"):
        world.send(author, busy, "hi")
    world.send("dan", quiet, "hello")
    world.catch_up()
    stored = everything(world.view("analytics"), AnalyticsProjector.collections)
    assert {frozenset(doc) for doc in stored["totals"].values()} == {frozenset({"_id", "count", "last_activity"})}
    assert {frozenset(doc) for doc in stored["days"].values()} == {frozenset({"_id", "scope", "date", "count", "hours"})}
    ann, dan = str(world.people["ann"]), str(world.people["dan"])
    assert {doc_id: doc["count"] for doc_id, doc in stored["senders"].items() if ann in doc_id or dan in doc_id} == {
        f"{busy}:{ann}": 2, f"*:{ann}": 2, f"{quiet}:{dan}": 1, f"*:{dan}": 1}
    assert len(stored["senders"]) == 3 + 1 + 4  # (room, sender) pairs, then one per sender for all rooms


def test_any_whole_hour_zone_shifts_the_utc_buckets():
    monday = {"date": "2024-01-01", "hours": [0] * 23 + [5]}  # Monday 23:00 UTC
    heat, per_day = local_counts([monday], zone_named("Europe/Paris"))  # UTC+1 in winter
    assert heat[1][0] == 5 and per_day == {datetime(2024, 1, 2).date(): 5}
    heat, _ = local_counts([monday], zone_named("America/New_York"))  # UTC-5
    assert heat[0][18] == 5


def test_half_hour_zones_put_a_bucket_in_the_hour_it_starts_in():
    heat, _ = local_counts([{"date": "2024-01-01", "hours": [7] + [0] * 23}], zone_named("Asia/Kolkata"))
    assert heat[0][5] == 7  # 00:00 UTC is 05:30 in India


def test_unknown_zones_are_refused():
    with pytest.raises(InvalidInput):
        zone_named("Mars/Olympus")


def test_the_svg_is_well_formed_with_one_cell_per_weekday_hour():
    heat = [[(d * 24 + h) % 5 for h in range(24)] for d in range(7)]
    picture = ElementTree.fromstring(heatmap_svg(heat, "Room <general> & co"))
    cells = picture.findall("{http://www.w3.org/2000/svg}rect")
    assert len(cells) == 168
    assert cells[0].find("{http://www.w3.org/2000/svg}title").text.startswith("Mon 00:00")
    assert len({c.get("fill") for c in cells}) == 5
