"""Education review cycles on Celery beat: daily at 01:30 (Asia/Shanghai).

The beat task fans out one task per province; each province's work is keyed
by (cycle, period, organisation) in CycleRun, so running a day twice, or two
workers on the same province, changes nothing (see education/cycles.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from . import cycles


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


@shared_task(bind=True, acks_late=True)
def run_education_cycles(self, on: str | None = None) -> dict:
    """Enqueue the cycles of `on` (default: today) for every province.

    The province tasks go to the queue this task came from.
    """
    return cycles.fan_out(self.request, _day(on), run_province_cycles)


@shared_task(acks_late=True)
def run_province_cycles(province_id: int, on: str | None = None) -> dict:
    """Every education cycle due on `on` for one province; idempotent.

    A failing cycle does not stop the others; the task then fails (so Celery
    records it) naming the failed cycles, after the others have run.
    """
    summary = cycles.run_province(province_id, _day(on))
    failed = cycles.failures(summary)
    if failed:
        raise cycles.CyclesFailed(
            f"province {province_id}, {on or 'today'}: "
            + "; ".join(f"{name}: {summary[name]['failed']}" for name in failed)
        )
    return summary


@shared_task(acks_late=True)
def close_education_year(province_id: int, year: int, actor_id: int | None = None) -> int:
    """Close a province's education year (asked for on the closures page or
    API). Idempotent: a closed year stays as it is."""
    from branches.models import Organization, User

    from . import services

    actor = User.objects.get(pk=actor_id) if actor_id else None
    province = Organization.objects.get(pk=province_id)
    return services.year_close(actor=actor, province=province, year=year).pk


@shared_task(acks_late=True)
def purge_orphan_attachment_files(hours: int = 24) -> int:
    """Daily: delete stored files under education/ that no Attachment names,
    older than `hours` (an upload whose transaction rolled back leaves one).
    Safe to run twice; never touches a file younger than `hours`."""
    from . import files

    return files.purge_orphans(older_than=timezone.now() - timedelta(hours=hours))
