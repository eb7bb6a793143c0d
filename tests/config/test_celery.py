import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app
from config.tasks import clear_expired_sessions


def make_session(key: str, expires_in: timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )


def test_celery_uses_the_redis_broker_not_eager_mode(settings):
    assert celery_app.conf.broker_url == settings.REDIS_URL
    assert celery_app.conf.broker_url.startswith("redis://")
    assert not celery_app.conf.task_always_eager
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.timezone == "Asia/Shanghai"


@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_real_worker_through_redis():
    expired = make_session("e" * 32, timedelta(days=-1))
    live = make_session("l" * 32, timedelta(days=1))
    queue = f"test-{uuid.uuid4().hex}"

    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        result = clear_expired_sessions.apply_async(queue=queue)
        deleted = result.get(timeout=30)
        again = clear_expired_sessions.apply_async(queue=queue).get(timeout=30)

    assert deleted == 1
    assert again == 0, "a second run of the same job must change nothing"
    assert not Session.objects.filter(pk=expired.pk).exists()
    assert Session.objects.filter(pk=live.pk).exists()


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    assert BEAT_SCHEDULE, "the beat schedule must not be empty"
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, f"beat entry {name!r}: unknown task"
    assert celery_app.conf.beat_schedule == BEAT_SCHEDULE


@pytest.mark.django_db(transaction=True)
def test_expired_grants_are_purged_by_the_beat_task():
    from datetime import UTC, datetime

    from branches import services
    from branches.tasks import purge_expired_grants
    from tests.factories import OrganizationFactory, UserFactory

    org = OrganizationFactory()
    user = UserFactory()
    services.grant_object_permission(
        actor=None, user=user, obj=org, action="view", expires_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    queue = f"test-{uuid.uuid4().hex}"
    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        assert purge_expired_grants.apply_async(queue=queue).get(timeout=30) == 1
        assert purge_expired_grants.apply_async(queue=queue).get(timeout=30) == 0
