"""Sending Celery tasks without losing them when the broker (Redis) is down.

`send(task, *args)` publishes at once; if that fails the task is written to
`branches.OutboxTask` instead, and the page or record entry goes on.
`dispatch()` (beat, every minute, and `manage.py dispatch_outbox`) sends the
waiting tasks in order once the broker answers again. Every task is
idempotent (DESIGN.md, conventions), so a task sent twice does no harm.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

BATCH = 500


def send(task, *args, task_id: str | None = None, queue: str | None = None, **kwargs) -> bool:
    """Publish `task(*args, **kwargs)`; True if sent, False if kept for later."""
    from branches.models import OutboxTask

    options = {key: value for key, value in {"task_id": task_id, "queue": queue}.items() if value}
    try:
        if options:
            task.apply_async(args, kwargs, **options)
        else:
            task.delay(*args, **kwargs)
        return True
    except Exception as error:  # broker unreachable: keep it
        OutboxTask.objects.create(
            name=task.name,
            args=list(args),
            kwargs=kwargs,
            options=options,
            last_error=f"{type(error).__name__}: {error}"[:500],
        )
        log.warning("broker unavailable; %s kept in the outbox", task.name)
        return False


def on_commit(task, *args, **kwargs) -> None:
    """`send` once the current transaction commits."""
    transaction.on_commit(lambda: send(task, *args, **kwargs))


def dispatch(limit: int = BATCH) -> int:
    """Send the waiting tasks, oldest first; stops at the first failure.
    Returns how many were sent. Safe to run from several processes."""
    from branches.models import OutboxTask

    sent = 0
    with transaction.atomic():
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .order_by("pk")[:limit]
        )
        for row in rows:
            try:
                current_app.send_task(row.name, row.args, row.kwargs, **row.options)
            except Exception as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:500]
                row.save(update_fields=["attempts", "last_error"])
                break
            row.sent_at = timezone.now()
            row.attempts += 1
            row.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent


def waiting() -> int:
    from branches.models import OutboxTask

    return OutboxTask.objects.filter(sent_at__isnull=True).count()
