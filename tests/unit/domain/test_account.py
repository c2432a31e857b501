from uuid import uuid4

import pytest

from hubbub.domain.account import MAX_LIVE_SESSIONS, Account, normalised_username
from hubbub.domain.errors import InvalidInput
from hubbub.domain.ids import account_id
from hubbub.domain.session import Session, SessionRevoked


@pytest.mark.parametrize("raw", ["abc", "a" * 32, "Ann.Lee-9_x", "  bob  "])
def test_usernames_of_3_to_32_allowed_characters_are_accepted_lower_cased(raw):
    assert normalised_username(raw) == raw.strip().lower()


@pytest.mark.parametrize("raw", ["ab", "a" * 33, "ann lee", "ann@x", "élan", "", None])
def test_other_usernames_are_refused(raw):
    with pytest.raises(InvalidInput) as error:
        normalised_username(raw)
    assert error.value.field == "username"


def test_the_account_id_derives_from_the_username_whatever_its_case():
    assert Account.register("Ann", None, "h").id == account_id("ann") == account_id("ANN")


def test_display_name_defaults_to_the_username_and_is_bounded():
    assert Account.register("ann", None, "h").display_name == "ann"
    with pytest.raises(InvalidInput):
        Account.register("ann", "x" * 65, "h")


def test_promotion_is_idempotent():
    account = Account.register("ann", None, "h")
    assert account.promote_to_admin(uuid4()) and not account.promote_to_admin(uuid4())
    assert account.roles == ["user", "admin"]


def test_live_sessions_are_capped_by_evicting_the_oldest():
    account = Account.register("ann", None, "h")
    ids = [uuid4() for _ in range(MAX_LIVE_SESSIONS + 2)]
    evicted = [account.open_session(i) for i in ids]
    assert evicted[:MAX_LIVE_SESSIONS] == [[]] * MAX_LIVE_SESSIONS
    assert evicted[MAX_LIVE_SESSIONS:] == [[ids[0]], [ids[1]]]
    assert account.live_sessions == [str(i) for i in ids[2:]]


def test_preferences_are_validated():
    account = Account.register("ann", None, "h")
    account.update_notification_prefs(digest_window_s=300, quiet_hours={"start": "22:00", "end": "07:00",
                                                                         "tz": "Europe/Paris"})
    assert account.notification_prefs["quiet_hours"]["tz"] == "Europe/Paris"
    for bad in ({"digest_window_s": -1}, {"digest_window_s": 86_401},
                {"quiet_hours": {"start": "25:00", "end": "07:00"}},
                {"quiet_hours": {"start": "22:00", "end": "07:00", "tz": "Mars/Olympus"}},
                {"categories": ["Bad Category"]}, {"categories": [f"c{i}" for i in range(33)]}):
        with pytest.raises(InvalidInput):
            account.update_notification_prefs(**bad)


def test_category_subscriptions_toggle_without_duplicates():
    account = Account.register("ann", None, "h")
    assert account.subscribe_category("news", True) and not account.subscribe_category("news", True)
    assert account.subscribe_category("news", False) and account.notification_prefs["categories"] == []


def test_a_replayed_refresh_token_revokes_the_session():
    session = Session.open(uuid4(), uuid4(), "phone", "t1")
    assert session.rotate("t1", "t2")
    assert not session.rotate("t1", "t3")
    assert session.revoked_reason == "refresh-token-reuse"
    with pytest.raises(SessionRevoked):
        session.rotate("t2", "t4")


def test_device_names_are_bounded():
    with pytest.raises(InvalidInput):
        Session.open(uuid4(), uuid4(), "d" * 65, "t")
