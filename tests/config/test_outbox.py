"""Redis down: record entry goes on, the task waits in the database
(config/outbox.py), /healthz says "degraded", and once the broker is back
the task is sent and a real worker runs it: nothing is lost."""

import datetime
import time
import uuid
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from branches.models import OutboxTask, Role
from config import outbox
from config.cache import ResilientRedisCache
from config.celery import app as celery_app
from reports.services import year_end_report_request
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextmanager
def broker_down():
    """The Celery app publishes to an address where no broker answers."""
    saved = celery_app.conf.broker_url

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.broker_url = CLOSED
    reset_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        reset_pools()


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_while_the_broker_is_down_runs_once_it_is_back(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = province_tree("丙")
    MemberFactory(branch=a["branch1"], full=True)
    staff = UserFactory(username="outbox_staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    year = datetime.date.today().year - 1

    with broker_down():
        # Record entry works: the report is asked for and kept.
        report = year_end_report_request(actor=staff, organization=a["county"], year=year)
        assert report.status == "queued"
        waiting = OutboxTask.objects.get(sent_at__isnull=True)
        assert waiting.name == "reports.tasks.build_year_end_report"
        assert waiting.args == [report.pk, report.generation]
        assert "OperationalError" in waiting.last_error
        # Still down: dispatching sends nothing and keeps the task.
        assert outbox.dispatch() == 0
        assert OutboxTask.objects.get().attempts == 1

    body = client.get("/healthz").json()
    assert body["tasks_waiting"] == 1

    # The broker is back. (The task goes to this test's own worker queue.)
    queue = f"test-{uuid.uuid4().hex}"
    OutboxTask.objects.update(options={"queue": queue})
    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        assert outbox.dispatch() == 1
        for _ in range(300):
            report.refresh_from_db()
            if report.status == "done":
                break
            time.sleep(0.1)
    assert report.status == "done" and report.progress == 100
    assert OutboxTask.objects.get().sent_at is not None
    assert outbox.dispatch() == 0  # sent once
    assert client.get("/healthz").json()["tasks_waiting"] == 0


def test_the_cache_fails_open_when_redis_is_down():
    cache = ResilientRedisCache(CLOSED, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is True  # "go ahead": roll-up refreshes are still enqueued
    assert cache.incr("k") == 1  # throttles let the request through
    cache.set("k", 1)
    cache.delete("k")
    assert cache.get_many(["k"]) == {}
    # The plain backend would have failed the page.
    with pytest.raises(RedisError):
        RedisCache(CLOSED, {"OPTIONS": {"socket_connect_timeout": 0.5}}).get("k")
