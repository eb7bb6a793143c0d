"""Background work of leaders' research days (document 2, 二（五）).

Wanted beat entry (config/celery.py), daily, e.g. 03:50 Asia/Shanghai:
    "outreach-research-short": {"task": "outreach.tasks_research.run_research_cycles",
                                "schedule": crontab(hour=3, minute=50)}
Before 1 October each run does nothing.
"""

from celery import shared_task


@shared_task(bind=True, acks_late=True)
def run_research_cycles(self, on: str | None = None) -> dict:
    """Daily: enqueue, per province, the RESEARCH_SHORT reminders (from 1 October)."""
    from datetime import date

    from celery.utils import uuid
    from django.db import transaction
    from django.utils import timezone

    from education.cycles import provinces

    day = date.fromisoformat(on) if on else timezone.localdate()
    queue = (self.request.delivery_info or {}).get("routing_key") or None
    tasks = {}
    if day < date(day.year, 10, 1):
        return {"on": day.isoformat(), "tasks": tasks}
    for province_id in provinces():
        task_id = tasks[f"{run_province_research_short.name}:{province_id}"] = uuid()
        transaction.on_commit(
            lambda pk=province_id, task_id=task_id: run_province_research_short.apply_async(
                (pk, day.isoformat()), task_id=task_id, queue=queue
            )
        )
    return {"on": day.isoformat(), "tasks": tasks}


@shared_task(acks_late=True)
def run_province_research_short(province_id: int, on: str | None = None) -> dict | None:
    """Remind one province's branches of leaders short of the year's research
    days (CycleRun keyed by day, Reminder keyed by leader and year); None when done."""
    from datetime import date

    from django.utils import timezone

    from .services_research import research_short_cycle

    day = date.fromisoformat(on) if on else timezone.localdate()
    return research_short_cycle(province_id, day)
