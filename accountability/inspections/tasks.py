"""The provincial spot-check is yearly (document 3, 四: 省级组织部门每年进行抽查).

Daily (beat: `accountability.inspections.tasks.run_spot_check_cycles`, 02:15
Asia/Shanghai), one task per province keyed (spot_check_missing, day,
province) in CycleRun: from 1 September, a province whose own organisation
department has drawn no spot-check of the year gets one reminder, keyed by
province and year; a draw resolves it (at once, and again by the cycle).
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

CYCLE = "spot_check_missing"
KIND = "spot_check_missing"
REMIND_FROM = (9, 1)  # month, day


def reminder_key(province_id: int, year: int) -> str:
    return f"{KIND}:{province_id}:{year}"


def resolve(province_id: int, year: int) -> int:
    from branches.models import Reminder

    return Reminder.objects.filter(
        key=reminder_key(province_id, year), resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def spot_check_missing(province_id: int, on: date) -> dict:
    """Remind one province without a drawn spot-check this year (from 1 September)."""
    from branches.models import Reminder
    from education.cycles import _raise_reminders

    from .models import SpotCheck, SpotCheckStatus

    year = on.year
    drawn = (
        SpotCheck.objects.filter(organizing_org_id=province_id, year=year)
        .exclude(status=SpotCheckStatus.DEFINED)
        .exists()
    )
    if drawn:
        return {"drawn": True, "reminders": 0, "resolved": resolve(province_id, year)}
    if on < date(year, *REMIND_FROM):
        return {"drawn": False, "reminders": 0, "resolved": 0}
    reminder = Reminder(
        organization_id=province_id,
        kind=KIND,
        due_on=date(year, 12, 31),
        key=reminder_key(province_id, year),
        detail=_("No random spot-check of branches has been drawn for %(year)s yet.")
        % {"year": year},
    )
    return {"drawn": False, "reminders": _raise_reminders([reminder]), "resolved": 0}


@shared_task(bind=True, acks_late=True)
def run_spot_check_cycles(self, on: str | None = None) -> dict:
    """Daily: enqueue each province's spot-check reminder."""
    from education.cycles import fan_out

    day = date.fromisoformat(on) if on else timezone.localdate()
    return fan_out(self.request, day, run_province_spot_check)


@shared_task(acks_late=True)
def run_province_spot_check(province_id: int, on: str | None = None) -> dict | None:
    """One province's reminder for a day (CycleRun keyed); None when done."""
    from education.cycles import _unit

    day = date.fromisoformat(on) if on else timezone.localdate()
    return _unit(CYCLE, day.isoformat(), province_id, lambda: spot_check_missing(province_id, day))
