"""The command writer's batches on real event stores: one transaction for a queue of commands,
version races and replays settled per command (SQLite, PostgreSQL, MongoDB when given)."""

from __future__ import annotations

import pytest

from tests.backends import event_store_url
from tests.unit.test_writer import (  # noqa: F401 - collected here against each real store
    ann_in_room,
    services_on,
    test_changes_to_one_record_in_one_batch_are_decided_in_turn_and_share_its_transaction,
    test_a_failed_transaction_fails_each_of_its_commands_and_the_writer_goes_on,
    test_a_refused_command_fails_alone,
    test_a_replayed_send_in_the_same_batch_answers_with_the_original,
    test_a_reused_key_with_another_body_is_refused_even_within_one_batch,
    test_async_callers_get_their_own_answers_in_batches,
    test_commands_queued_together_share_one_transaction,
)


@pytest.fixture(params=["sqlite", "postgres", "mongodb"])
def services(request, tmp_path):
    with event_store_url(request.param, tmp_path) as url:
        services = services_on(url, tmp_path)
        try:
            yield services
        finally:
            services.close()
