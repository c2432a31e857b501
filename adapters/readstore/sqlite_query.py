"""pymongo-style filters and sorts, answered by SQLite over indexed columns.

Indexed fields are stored as columns beside the encoded document. SQL narrows by those columns
(and orders by them); whatever SQL cannot decide exactly is re-checked in Python with mongomock's
matcher, so an answer always has MongoDB's meaning. SQL must therefore only ever narrow: it may
let through a document MongoDB would refuse (the matcher drops it), never the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mongomock.filtering import filter_applies

from hubbub.projections.store import Filter, Sort

_RANGES = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_SCALARS = (str, int, float)


def column(field_name: str) -> str:
    return f'"f_{field_name}"'


def column_value(value: Any) -> Any:
    # Not bool: SQLite stores True as 1, and MongoDB does not match true with 1.
    if value is None or (isinstance(value, _SCALARS) and not isinstance(value, bool)):
        return value
    raise TypeError(f"an indexed field holds a string, a number or null, not {type(value).__name__}")


@dataclass
class Plan:
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    exact: bool = True  # False: the Python matcher must re-check every row

    def sql_where(self) -> str:
        return " AND ".join(self.where) if self.where else "1"


def plan(filter: Filter, columns: Iterable[str]) -> Plan:
    indexed = set(columns)
    result = Plan()
    for name, condition in filter.items():
        if name not in indexed or not _narrow(result, name, condition):
            result.exact = False
    return result


def _narrow(result: Plan, name: str, condition: Any) -> bool:
    """Add SQL for one field's condition; False when SQL did not capture all of it."""
    if isinstance(condition, Mapping):
        return all(_narrow_operator(result, name, op, value) for op, value in condition.items())
    if isinstance(condition, bool) or not (condition is None or isinstance(condition, _SCALARS)):
        return False
    result.where.append(f"{column(name)} IS ?")
    result.params.append(condition)
    return True


def _narrow_operator(result: Plan, name: str, op: str, value: Any) -> bool:
    if op in _RANGES and isinstance(value, _SCALARS) and not isinstance(value, bool):
        result.where.append(f"{column(name)} {_RANGES[op]} ?")
        result.params.append(value)
        return True
    if op == "$in" and isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        if any(isinstance(v, bool) for v in value):
            return False
        marks = ",".join("?" * len(value))
        result.where.append(f"{column(name)} IN ({marks})" if value else "0")
        result.params.extend(value)
        return True
    return False


def order_by(sort: Sort, columns: Iterable[str]) -> str:
    indexed = set(columns)
    for name, _ in sort:
        if name not in indexed:
            raise ValueError(f"cannot sort on {name!r}: it is not an indexed field")
    terms = [f"{column(name)} {'DESC' if direction < 0 else 'ASC'}" for name, direction in sort]
    return f" ORDER BY {', '.join(terms)}" if terms else ""


def matching(docs: Iterator[dict], filter: Filter, exact: bool, limit: int) -> list[dict]:
    found = []
    for doc in docs:
        if exact or filter_applies(filter, doc):
            found.append(doc)
            if limit and len(found) >= limit:
                break
    return found
