"""Property-based fuzzing of every documented operation, as a real signed-in user.

No input may produce a 5xx, and every answer must match the schema: its status code, its
content type and its body. Bounded (a few examples per operation) so the run takes seconds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from hubbub.adapters.http.app import create_app
from hubbub.adapters.settings import Settings
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import People

EXAMPLES_PER_OPERATION = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
answered: Counter[int] = Counter()  # status code -> cases, printed at the end (pytest -s)


@dataclass
class Api:
    client: TestClient
    auth: dict[str, str]
    known_ids: dict[str, str]  # a real room and message, so fuzzing also reaches past the 404s


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    # Random min_position values would each wait out the read-your-writes timeout: keep it short.
    settings_ = e2e_settings(tmp_path_factory.mktemp("schemathesis"), read_wait_timeout_s=0.05)
    with TestClient(create_app(settings_)) as client:
        people = People(client)
        ann = people.signed_in("ann")
        people.promote(ann)
        room = ann.post("/api/rooms", json={"kind": "group", "name": "fuzz"}).json()["room_id"]
        message = ann.post(f"/api/rooms/{room}/messages", json={"body": "fuzz me"}).json()["message_id"]
        yield Api(client, {"Authorization": f"Bearer {ann.access_token}"}, {"room_id": room, "message_id": message})
    print(f"\nschemathesis: {sum(answered.values())} cases, by status: {dict(sorted(answered.items()))}")


@pytest.fixture(scope="module")
def api_schema(api):
    return schemathesis.openapi.from_dict(api.client.get("/schema/openapi.json").json())


def documented_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation; building the app opens nothing until it starts."""
    document = create_app(Settings(event_store_url="memory://")).openapi_schema.to_schema()
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


@pytest.mark.parametrize("method, path", documented_operations())
def test_no_input_makes_a_server_error_and_answers_match_the_schema(api, api_schema, method, path):
    operation = api_schema[path][method]
    known = {name: value for name, value in api.known_ids.items() if "{" + name + "}" in path}
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck),
    )
    def answers_well(case):
        kwargs = case.as_transport_kwargs(base_url=str(api.client.base_url), headers=api.auth)
        response = api.client.request(**_for_httpx(kwargs))
        answered[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    answers_well()


def _for_httpx(kwargs: dict) -> dict:
    """schemathesis speaks `requests`; Litestar's test client is httpx."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None and not (k == "cookies" and not v)}
    if isinstance(kwargs.get("data"), (bytes, str)):
        kwargs["content"] = kwargs.pop("data")
    kwargs.pop("allow_redirects", None)
    return kwargs
