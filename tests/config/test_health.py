import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


def test_healthz_reports_every_part_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_needs_no_login_and_no_https_redirect(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/healthz")
    assert response.status_code == 200


def test_redis_down_is_a_degraded_answer(client):
    # Pages still work without Redis (config/cache.py, config/outbox.py):
    # the service is degraded, not down, and says how many tasks wait.
    with override_settings(REDIS_URL=CLOSED_PORT_URL):
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["tasks_waiting"] == 0
    assert body["checks"]["redis"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["redis"]["ms"],
    }
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_unreachable_broker_is_reported_on_its_own(client):
    with override_settings(CELERY_BROKER_URL=CLOSED_PORT_URL):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False
    assert checks["redis"]["ok"] is True


def test_healthz_does_not_leak_addresses(client):
    with override_settings(REDIS_URL=CLOSED_PORT_URL):
        response = client.get("/healthz")
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
