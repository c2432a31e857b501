"""The InfrastructureFactory that PERSISTENCE_MODULE=adapters.eventstore.mongodb selects.

Environment:
  MONGODB_URL       mongodb:// or mongodb+srv:// URL of a replica set (required)
  MONGODB_DATABASE  database name; defaults to the URL's path (mongodb://host/NAME)
  CREATE_TABLE      create collections and indexes when a recorder is made (default yes)
  MONGODB_TIMEOUT   seconds any call (a transaction with its retries included) may take (default 10)
"""

from __future__ import annotations

import contextlib
from typing import TypeVar, cast
from urllib.parse import unquote, urlsplit

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
)
from eventsourcing.utils import Environment, EnvType, resolve_topic, strtobool

from .datastore import MongoDatastore
from .errors import translated
from .recorders import (
    MongoAggregateRecorder,
    MongoApplicationRecorder,
    MongoProcessRecorder,
    MongoRecorder,
    MongoTrackingRecorder,
)

TMongoRecorder = TypeVar("TMongoRecorder", bound=MongoRecorder)
TMongoTrackingRecorder = TypeVar("TMongoTrackingRecorder", bound=MongoTrackingRecorder)


def database_in_url(url: str) -> str:
    """The database named in a MongoDB URL's path, or "" (parsed without any DNS lookup)."""
    return unquote(urlsplit(url).path.lstrip("/"))


class MongoFactory(InfrastructureFactory[MongoTrackingRecorder]):
    MONGODB_URL = "MONGODB_URL"
    MONGODB_DATABASE = "MONGODB_DATABASE"
    CREATE_TABLE = "CREATE_TABLE"
    MONGODB_TIMEOUT = "MONGODB_TIMEOUT"
    DEFAULT_TIMEOUT_S = 10.0

    aggregate_recorder_class = MongoAggregateRecorder
    application_recorder_class = MongoApplicationRecorder
    tracking_recorder_class = MongoTrackingRecorder
    process_recorder_class = MongoProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        url = self.env.get(self.MONGODB_URL) or ""
        if not url:
            raise OSError(f"MongoDB URL not found in environment with key '{self.MONGODB_URL}'")
        database = self.env.get(self.MONGODB_DATABASE) or database_in_url(url)
        if not database:
            raise OSError(
                f"MongoDB database name not found in environment with key '{self.MONGODB_DATABASE}' "
                "nor in the path of the URL"
            )
        timeout_s = float(self.env.get(self.MONGODB_TIMEOUT) or self.DEFAULT_TIMEOUT_S)
        if timeout_s <= 0:
            raise OSError(f"{self.MONGODB_TIMEOUT} must be a positive number of seconds")
        # A malformed URL is pymongo's InvalidURI: report it as InterfaceError.
        self.datastore = translated(MongoDatastore)(url, database, timeout_s)

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        recorder = self.aggregate_recorder_class(self.datastore, events_collection_name=self._events_name(purpose))
        return self._prepared(recorder)

    def application_recorder(self) -> ApplicationRecorder:
        recorder_class = self._configured_class(self.APPLICATION_RECORDER_TOPIC, self.application_recorder_class)
        recorder = recorder_class(self.datastore, events_collection_name=self._events_name("events"))
        return self._prepared(recorder)

    def tracking_recorder(
        self, tracking_recorder_class: type[TMongoTrackingRecorder] | None = None
    ) -> TMongoTrackingRecorder:
        recorder_class = tracking_recorder_class or cast(
            "type[TMongoTrackingRecorder]",
            self._configured_class(self.TRACKING_RECORDER_TOPIC, self.tracking_recorder_class),
        )
        recorder = recorder_class(self.datastore, tracking_collection_name=self._tracking_name())
        return self._prepared(recorder)

    def process_recorder(self) -> ProcessRecorder:
        recorder_class = self._configured_class(self.PROCESS_RECORDER_TOPIC, self.process_recorder_class)
        recorder = recorder_class(
            self.datastore,
            events_collection_name=self._events_name("events"),
            tracking_collection_name=self._tracking_name(),
        )
        return self._prepared(recorder)

    def close(self) -> None:
        with contextlib.suppress(AttributeError):  # __init__ may have failed before the datastore
            self.datastore.close()

    def env_create_table(self) -> bool:
        return strtobool(self.env.get(self.CREATE_TABLE) or "yes")

    # Collection names follow eventsourcing.postgres's table names.
    def _events_name(self, purpose: str) -> str:
        return f"{self.env.name.lower() or 'stored'}_{purpose}"

    def _tracking_name(self) -> str:
        return f"{self.env.name.lower() or 'notification'}_tracking"

    def _configured_class(self, topic_key: str, default: type[TMongoRecorder]) -> type[TMongoRecorder]:
        topic = self.env.get(topic_key)
        if not topic:
            return default
        configured = resolve_topic(topic)
        if not (isinstance(configured, type) and issubclass(configured, default)):
            raise TypeError(f"{topic_key}={topic} is not a subclass of {default.__name__}")
        return configured

    def _prepared(self, recorder: TMongoRecorder) -> TMongoRecorder:
        # Otherwise nothing is sent now: the recorder checks its tables before its first write.
        if self.env_create_table():
            translated(recorder.create_table)()
            recorder.prepared()
        return recorder
