"""Roll-up tasks: a refresh after a change, a reconciliation per province
every night (DESIGN.md, "Cycles"). All take ids and are safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from config import outbox

from . import changes, rollups


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def refresh_rollups(org_id: int, year: int) -> int:
    # Once the lock is held, later changes must queue another refresh: this
    # one may not see them (earlier ones it reads: read committed).
    return rollups.refresh(
        org_id, year, on_locked=lambda: cache.delete(changes.queued_key(org_id, year))
    )


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def reconcile_rollups(province_id: int, year: int) -> dict:
    result = rollups.reconcile(province_id, year)
    return {"rows": result.rows, "fixed": result.fixed}


@shared_task(bind=True, acks_late=True)
def run_rollup_reconcile(self, on: str | None = None) -> dict:
    """Nightly: reconcile every province (one task each)."""
    from education.cycles import fan_out

    day = date.fromisoformat(on) if on else timezone.localdate()
    return fan_out(self.request, day, reconcile_province)


@shared_task(acks_late=True)
def reconcile_province(province_id: int, on: str) -> dict | None:
    """This year and the two before (the dashboards compare a year with the
    one before) of one province, once per day: one task per year, so no lock
    is held across years."""

    from education.cycles import _unit

    day = date.fromisoformat(on)

    def work():
        years = rollups.kept_years(day)
        for year in years:
            outbox.on_commit(reconcile_rollups, province_id, year)
        return {"queued": years}

    return _unit("rollup_reconcile", day.isoformat(), province_id, work)
