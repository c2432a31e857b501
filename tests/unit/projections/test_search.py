"""Search: every word, whole words, case- and accent-blind, readable rooms only, no deleted messages."""

import pytest

from hubbub.domain.errors import InvalidInput
from tests.commanding import Do


def test_finds_every_word_case_and_accent_blind_newest_first(world):
    room = world.room("ann", "bob")
    older = world.send("ann", room, "Déjà vu at lunch")
    newer = world.send("bob", room, "lunch deja VU again")
    world.send("bob", room, "lunch only")
    found = world.catch_up().search([room], "DEJA lunch", 10)
    assert [m["message_id"] for m in found] == [newer, older]


def test_only_the_given_rooms_and_no_deleted_or_outdated_text(world):
    mine, theirs = world.room("ann", "bob"), world.room("cat", "dan")
    edited = world.send("ann", mine, "alpha")
    deleted = world.send("ann", mine, "alpha beta")
    world.send("cat", theirs, "alpha")
    Do(world.services).edit(world.as_("ann"), mine, edited, "gamma")
    Do(world.services).delete(world.as_("ann"), mine, deleted)
    models = world.catch_up()
    assert models.search([mine], "alpha", 10) == []
    assert [m["message_id"] for m in models.search([mine], "gamma", 10)] == [edited]
    assert models.search([], "alpha", 10) == [] and models.search([mine], "  !? ", 10) == []


def test_limits_are_checked(world):
    with pytest.raises(InvalidInput):
        world.read_models.search([world.room("ann")], "x", 0)


def test_whole_words_never_parts_of_words(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "my cat ate a hotdog")
    panic = world.send("bob", room, "Don't panic")
    models = world.catch_up()
    assert models.search([room], "cat dog", 10) == []  # "dog" is not a word of "hotdog"
    assert [m["message_id"] for m in models.search([room], "hotdog CAT", 10)] != []
    assert [m["message_id"] for m in models.search([room], "don't", 10)] == [panic]  # the words "don" and "t"
    assert models.search([room], "dont", 10) == []


def test_times_come_back_to_the_millisecond_from_either_store(world):
    room = world.room("ann", "bob")
    sent = Do(world.services).send(world.as_("ann"), room, "precise").message
    (found,) = world.catch_up().search([room], "precise", 10)
    assert found["created_at"] == sent.created_on.replace(microsecond=sent.created_on.microsecond // 1000 * 1000)
