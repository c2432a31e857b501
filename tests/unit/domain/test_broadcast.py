import pytest

from hubbub.domain.account import Account
from hubbub.domain.broadcast import MAX_TITLE, Broadcast, NotAnAdmin
from hubbub.domain.errors import InvalidInput


def admin():
    account = Account.register("boss", None, "h")
    account.promote_to_admin(account.id)
    return account


def test_only_admins_announce():
    with pytest.raises(NotAnAdmin):
        Broadcast.announce(Account.register("ann", None, "h"), "news", "t", "b", "transactional")


def test_priority_decides_the_audience():
    assert Broadcast.announce(admin(), "news", "t", "b", "transactional").reaches_everyone
    assert not Broadcast.announce(admin(), "news", "t", "b", "promotional").reaches_everyone


@pytest.mark.parametrize(("category", "title", "body", "priority"), [
    ("news", "t", "b", "urgent"), ("Bad Cat", "t", "b", "promotional"), ("news", "", "b", "promotional"),
    ("news", "t" * (MAX_TITLE + 1), "b", "promotional"), ("news", "t", " ", "promotional"),
])
def test_announcements_are_validated(category, title, body, priority):
    with pytest.raises(InvalidInput):
        Broadcast.announce(admin(), category, title, body, priority)
