"""Education review cycles on Celery beat: daily at 01:30 (Asia/Shanghai).

The beat task fans out one task per province; each province's work is keyed
by (cycle, period, organisation) in CycleRun, so running a day twice, or two
workers on the same province, changes nothing (see education/cycles.py).
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.utils import uuid
from django.db import transaction
from django.utils import timezone

from . import cycles


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


@shared_task(bind=True, acks_late=True)
def run_education_cycles(self, on: str | None = None) -> dict:
    """Enqueue the cycles of `on` (default: today) for every province.

    The province tasks go to the queue this task came from.
    """
    day = _day(on)
    queue = (self.request.delivery_info or {}).get("routing_key") or None
    tasks = {}
    for province_id in cycles.provinces():
        task_id = tasks[province_id] = uuid()
        transaction.on_commit(
            lambda pk=province_id, task_id=task_id: run_province_cycles.apply_async(
                (pk, day.isoformat()), task_id=task_id, queue=queue
            )
        )
    return {"on": day.isoformat(), "tasks": tasks}


@shared_task(acks_late=True)
def run_province_cycles(province_id: int, on: str | None = None) -> dict:
    """Every education cycle due on `on` for one province; idempotent."""
    return cycles.run_province(province_id, _day(on))
