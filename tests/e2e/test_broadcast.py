"""Admin broadcasts: delivered to every inbox, or only to the category's subscribers."""

from __future__ import annotations

import pytest

NOTICE = {"category": "news", "title": "Maintenance", "body": "Down at 02:00 UTC", "priority": "transactional"}


@pytest.fixture
def admin(people):
    caller = people.signed_in("admin")
    people.promote(caller)
    return caller


def inbox_after(caller, position: int) -> list[dict]:
    response = caller.get("/api/notifications", params={"min_position": position})
    assert response.status_code == 200
    return [n for n in response.json()["items"] if n["kind"] == "broadcast"]


def test_a_transactional_notice_reaches_everyone(people, admin):
    subscriber, other = people.signed_in("sub"), people.signed_in("other")
    subscriber.post("/api/notifications/categories/news/subscription")
    accepted = admin.post("/api/notifications/broadcast", json=NOTICE)
    assert accepted.status_code == 202
    position = accepted.json()["position"]
    for caller in (subscriber, other, admin):
        [notice] = [n for n in inbox_after(caller, position) if n["position"] == position]
        assert (notice["title"], notice["category"], notice["preview"]) == ("Maintenance", "news", NOTICE["body"])
        assert notice["read"] is False and notice["actor_id"] == admin.user_id


def test_a_promotional_notice_reaches_only_current_subscribers(people, admin):
    subscriber, unsubscribed, lapsed = people.signed_in("fan"), people.signed_in("quiet"), people.signed_in("lapsed")
    for caller in (subscriber, lapsed):
        assert caller.post("/api/notifications/categories/deals/subscription").status_code == 200
    assert lapsed.delete("/api/notifications/categories/deals/subscription").status_code == 204
    promo = {**NOTICE, "category": "deals", "title": "Sale", "priority": "promotional"}
    position = admin.post("/api/notifications/broadcast", json=promo).json()["position"]
    assert [n["title"] for n in inbox_after(subscriber, position) if n["position"] == position] == ["Sale"]
    for caller in (unsubscribed, lapsed):
        assert [n for n in inbox_after(caller, position) if n["position"] == position] == []


def test_only_admins_broadcast(people):
    member = people.signed_in("plain")
    response = member.post("/api/notifications/broadcast", json=NOTICE)
    assert response.status_code == 403 and response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("field", "value"), [
    ("priority", "urgent"), ("title", ""), ("title", "t" * 121), ("body", ""), ("body", "b" * 4001),
    ("category", "Not OK"),
])
def test_bad_broadcasts_are_422_naming_the_field(admin, field, value):
    response = admin.post("/api/notifications/broadcast", json={**NOTICE, field: value})
    assert response.status_code == 422
    assert field in {e["field"].split(".")[-1] for e in response.json()["errors"]}
