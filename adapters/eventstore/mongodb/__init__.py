"""MongoDB persistence module for eventsourcing: PERSISTENCE_MODULE=adapters.eventstore.mongodb.

InfrastructureFactory.construct() picks the one InfrastructureFactory subclass it finds
in this namespace, so no other factory class may be imported here.
"""

from .datastore import MongoDatastore
from .factory import MongoFactory
from .recorders import (
    MongoAggregateRecorder,
    MongoApplicationRecorder,
    MongoProcessRecorder,
    MongoTrackingRecorder,
)
from .subscription import MongoSubscription

Factory = MongoFactory

__all__ = [
    "Factory",
    "MongoAggregateRecorder",
    "MongoApplicationRecorder",
    "MongoDatastore",
    "MongoFactory",
    "MongoProcessRecorder",
    "MongoSubscription",
    "MongoTrackingRecorder",
]
