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

    from django.utils import timezone

    from education.cycles import fan_out

    day = date.fromisoformat(on) if on else timezone.localdate()
    if day < date(day.year, 10, 1):
        return {"on": day.isoformat(), "tasks": {}}
    return fan_out(self.request, day, run_province_research_short)


@shared_task(acks_late=True)
def run_province_research_short(province_id: int, on: str | None = None) -> dict | None:
    """Remind one province's branches of leaders short of the year's research
    days (CycleRun keyed by day, Reminder keyed by leader and year); None when done."""
    from datetime import date

    from django.utils import timezone

    from .services_research import research_short_cycle

    day = date.fromisoformat(on) if on else timezone.localdate()
    return research_short_cycle(province_id, day)
