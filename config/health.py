"""/healthz: is the database, Redis and the Celery broker reachable?

Answers 200 "ok" when all are; 200 "degraded" when only Redis or the broker
is down (pages work, tasks wait in the outbox: config/outbox.py); 503
"unhealthy" when the database is down.
Details of a failure go to the log, not to the anonymous caller.
"""

import logging
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=TIMEOUT_SECONDS,
        transport_options={
            "socket_connect_timeout": TIMEOUT_SECONDS,
            "socket_timeout": TIMEOUT_SECONDS,
            "max_retries": 0,
        },
    ) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT_SECONDS
        )


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
}


@never_cache
@require_GET
def healthz(request):
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            healthy = False
            logger.warning("health check %s failed: %s", name, exc, exc_info=exc)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    if healthy:
        status = "ok"
    elif results["database"]["ok"]:
        # Pages and record entry still work; tasks wait in the outbox.
        status = "degraded"
    else:
        status = "unhealthy"
    body = {"status": status, "checks": results}
    if results["database"]["ok"]:
        from config.outbox import waiting

        body["tasks_waiting"] = waiting()
    return JsonResponse(body, status=503 if status == "unhealthy" else 200)
