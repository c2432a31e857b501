"""eventsourcing's own recorder test cases, run against the real PostgreSQL server.

Each test gets its own schema, created in setUp and dropped (with everything in it)
afterwards, so tests never see each other's tables, nor the tables of other suites
sharing the database. Recorders come from the factory built from the hubbub
environment (persistence_env of the test URL, plus POSTGRES_SCHEMA).
"""

from __future__ import annotations

from uuid import uuid4

import psycopg
from eventsourcing import postgres as es_postgres
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as conformance
from eventsourcing.utils import Environment
from psycopg import sql

from hubbub.adapters.eventstore.url import persistence_env
from tests.services import require_postgres
from tests.stray_threads import JoinsStrayThreads


class TemporarySchema:
    """A schema of its own for one test, dropped with its tables afterwards."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"hubbub_conformance_{uuid4().hex[:12]}"

    def create(self) -> None:
        self._execute("CREATE SCHEMA {}")

    def drop(self) -> None:
        self._execute("DROP SCHEMA IF EXISTS {} CASCADE")

    def env(self) -> dict[str, str]:
        return persistence_env(self.url) | {"POSTGRES_SCHEMA": self.name}

    def _execute(self, statement: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(sql.Identifier(self.name)))


class PostgresSchema(JoinsStrayThreads):
    """Mixin: a factory on a fresh schema, closed and dropped after the test."""

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self.schema = TemporarySchema(require_postgres())
        self.schema.create()
        self.addCleanup(self.schema.drop)  # type: ignore[attr-defined]
        self.factory = InfrastructureFactory.construct(self.schema.env())
        assert isinstance(self.factory, es_postgres.PostgresFactory)
        self.addCleanup(self.factory.close)  # type: ignore[attr-defined]
        self.join_stray_threads_before_cleanups()


class TestAggregateRecorder(PostgresSchema, conformance.AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        return self.factory.aggregate_recorder()


class TestApplicationRecorder(
    PostgresSchema, conformance.ApplicationRecorderTestCase[es_postgres.PostgresApplicationRecorder]
):
    def create_recorder(self) -> es_postgres.PostgresApplicationRecorder:
        recorder = self.factory.application_recorder()
        assert isinstance(recorder, es_postgres.PostgresApplicationRecorder)
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestTrackingRecorder(PostgresSchema, conformance.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return self.factory.tracking_recorder()


class TestProcessRecorder(PostgresSchema, conformance.ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()


class TestNonInterleavingNotificationIDs(PostgresSchema, conformance.NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()


class PostgresTrackingRecorderSubclass(es_postgres.PostgresTrackingRecorder):
    pass


class TestInfrastructureFactory(conformance.InfrastructureFactoryTestCase[es_postgres.PostgresFactory]):
    def setUp(self) -> None:
        schema = TemporarySchema(require_postgres())
        schema.create()
        self.addCleanup(schema.drop)
        self.env = Environment("TestCase", schema.env())
        super().setUp()  # constructs self.factory; tearDown closes it before the drop

    def expected_factory_class(self) -> type[es_postgres.PostgresFactory]:
        return es_postgres.PostgresFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return es_postgres.PostgresAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return es_postgres.PostgresApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return es_postgres.PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorderSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return es_postgres.PostgresProcessRecorder
