"""Health, readiness, metrics, request ids, security headers, CORS and structured logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from hubbub.adapters.logging import JsonFormatter
from tests.e2e.conftest import e2e_settings
from tests.services import require_nats, require_rabbitmq


def test_health_answers_while_the_process_is_up(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_checks_each_store(client):
    response = client.get("/ready")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["event_store"]["status"] == "ok"
    assert all(check["status"] == "ok" for check in checks.values())


def test_ready_is_503_naming_the_failing_check(client, monkeypatch):
    def down():
        raise ConnectionError("no store")

    monkeypatch.setattr(client.app.state.runtime.services.app, "head", down)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["event_store"] == {"status": "fail", "error": "ConnectionError"}


def test_ready_reports_an_unreachable_redis(tmp_path):
    settings = e2e_settings(tmp_path, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "fail"


@pytest.mark.parametrize("require", [require_rabbitmq, require_nats], ids=["rabbitmq", "nats"])
def test_ready_checks_the_delivery_broker(tmp_path, require):
    with TestClient(create_app(e2e_settings(tmp_path, delivery_broker_url=require()))) as client:
        response = client.get("/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["delivery_broker"]["status"] == "ok"


def test_ready_is_503_naming_an_unreachable_delivery_broker(tmp_path):
    # NATS refusing is probed in tests/integration/test_broker_probe.py: here the background
    # host's own NATS client would keep retrying through the app's start and stop.
    settings = e2e_settings(tmp_path, delivery_broker_url="amqp://guest:guest@127.0.0.1:1/")
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["delivery_broker"] == {"status": "fail", "error": "AMQPConnectionError"}


def test_metrics_count_requests_by_route_and_events_appended(people, client):
    ann = people.signed_in("ann")
    ann.get("/api/auth/me")
    client.get("/api/nothing")
    text = client.get("/metrics").text
    assert 'hubbub_http_requests_total{method="GET",route="/api/auth/me",status="200"} 1.0' in text
    assert 'hubbub_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'hubbub_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/auth/login"}' in text
    head = client.app.state.runtime.services.app.head()
    assert f"hubbub_events_appended_total {float(head)}" in text


def test_metrics_count_the_writers_transactions_and_commands(people, client):
    ann = people.signed_in("ann")
    room = ann.post("/api/rooms", json={"kind": "channel", "name": "metered"}).json()["room_id"]
    before = client.app.state.runtime.commands.stats()
    for n in range(3):
        assert ann.post(f"/api/rooms/{room}/messages", json={"body": f"m{n}"}).status_code == 201
    text = client.get("/metrics").text
    assert f"hubbub_writer_transactions_total {float(before[0] + 3)}" in text
    assert f"hubbub_writer_commands_total {float(before[1] + 3)}" in text


def test_every_response_carries_a_request_id_and_security_headers(client):
    for response in (client.get("/health"), client.get("/api/auth/me"), client.get("/nowhere"),
                     client.post("/api/auth/login", content=b"x", headers={"content-type": "text/plain"})):
        assert len(response.headers["X-Request-ID"]) == 32
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_api_answers_are_not_cached(client):
    assert client.get("/api/auth/me").headers["Cache-Control"] == "no-store"


def test_a_callers_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    hostile = "bad id <script>" + "x" * 200
    replaced = client.get("/health", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
    assert replaced != hostile and len(replaced) == 32


def test_cors_allows_only_the_configured_origins(tmp_path):
    settings = e2e_settings(tmp_path, cors_origins=["https://app.example"])
    with TestClient(create_app(settings)) as client:
        preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,content-type"}
        allowed = client.options("/api/auth/login", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        other = client.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_no_cors_headers_without_configured_origins(client):
    response = client.get("/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


def test_log_lines_are_json_and_carry_the_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("hubbub.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client.get("/health", headers={"X-Request-ID": "trace-me"})
    finally:
        access.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "trace-me" and line["status"] == 200 and line["route"] == "/health"
    assert line["level"] == "info" and line["time"] and line["duration_ms"] >= 0


def test_the_schema_is_served(client):
    schema = client.get("/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.") and "/api/rooms/{room_id}/messages" in schema["paths"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_metrics_need_the_metrics_token_when_one_is_set(tmp_path):
    with TestClient(create_app(e2e_settings(tmp_path, metrics_token="s3cret-operator"))) as client:
        anonymous = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
        right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-operator"})
    assert anonymous.status_code == wrong.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert right.status_code == 200 and "hubbub_http_requests_total" in right.text


def test_metrics_stay_open_without_a_token(client):
    assert client.get("/metrics").status_code == 200


def test_ready_shows_a_projector_s_error_text_only_to_the_metrics_token(tmp_path, monkeypatch):
    with TestClient(create_app(e2e_settings(tmp_path, metrics_token="s3cret-operator"))) as client:
        read_models = client.app.state.runtime.read_models
        broken = {"ok": True, "background": None, "projections": {"search": {"state": "retrying", "lag": 3,
                                                         "error": "OperationalError: no such table: rm_secret"}}}
        monkeypatch.setattr(read_models, "health", lambda: broken)
        public = client.get("/ready").json()["checks"]["read_store"]["projections"]["search"]
        operator = client.get("/ready", headers={"Authorization": "Bearer s3cret-operator"}).json()
    assert public["state"] == "retrying" and "rm_secret" not in public["error"]
    assert "rm_secret" in operator["checks"]["read_store"]["projections"]["search"]["error"]
