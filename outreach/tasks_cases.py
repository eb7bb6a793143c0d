"""Overdue cases of the public (document 2, 三（三）: "对群众反映的情况，要及时反馈意见").

Daily (beat: `outreach.tasks_cases.run_case_overdue_cycles`, 01:45
Asia/Shanghai), one task per province, keyed (case_overdue, YYYY-MM-DD,
province) in CycleRun. Every open case past its feedback deadline gets
`overdue_since` (the first day late) and one CASE_OVERDUE reminder, keyed by
the case; feedback resolves the reminder; a reopened case late again gets its
reminder back. Running a day twice changes nothing. Pages do not wait for
this: they compute "overdue" from the date (selectors_cases.overdue_q).
"""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

CYCLE = "case_overdue"
BATCH = 1000
# ReminderKind.CASE_OVERDUE once branches/models.py has it; the column takes the value now.
CASE_OVERDUE = "case_overdue"


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


def flag_overdue(province_id: int, on: date) -> dict:
    """Flag one province's open cases past their deadline, in batches of ids."""
    from django.db.models import F

    from branches.models import Reminder
    from education.cycles import _ids_in_batches, _raise_reminders

    from .models import Case, CaseStatus
    from .services_cases import case_reminder_key

    late = Case.objects.filter(
        organization__province_id=province_id, status=CaseStatus.OPEN, feedback_due__lt=on
    )
    flagged = raised = reopened = cases = 0
    for ids in _ids_in_batches(late):
        rows = list(
            Case.objects.filter(pk__in=ids).values_list("pk", "organization_id", "feedback_due")
        )
        cases += len(rows)
        flagged += Case.objects.filter(pk__in=ids, overdue_since__isnull=True).update(
            overdue_since=F("feedback_due") + timedelta(days=1)
        )
        raised += _raise_reminders(
            [
                Reminder(
                    organization_id=org_id,
                    kind=CASE_OVERDUE,
                    due_on=due,
                    key=case_reminder_key(pk),
                    detail=_("Case no. %(number)s: feedback to the requester was due on %(day)s.")
                    % {"number": pk, "day": due},
                )
                for pk, org_id, due in rows
            ]
        )
        # A case reopened and late again: its resolved reminder is open again.
        dues = {case_reminder_key(pk): due for pk, _org, due in rows}
        for reminder in Reminder.objects.filter(key__in=dues, resolved_at__isnull=False):
            reminder.resolved_at = None
            reminder.due_on = dues[reminder.key]
            reminder.save(update_fields=["resolved_at", "due_on"])
            reopened += 1
    return {"overdue": cases, "flagged": flagged, "reminders": raised, "reopened": reopened}


def case_overdue_cycle(province_id: int, on: date) -> dict | None:
    """The daily run for one province; None when today's is done."""
    from education.cycles import _unit

    return _unit(CYCLE, on.isoformat(), province_id, lambda: flag_overdue(province_id, on))


@shared_task(bind=True, acks_late=True)
def run_case_overdue_cycles(self, on: str | None = None) -> dict:
    """Daily: enqueue the overdue detection of every province."""
    from education.cycles import fan_out

    return fan_out(self.request, _day(on), run_province_case_overdue)


@shared_task(acks_late=True)
def run_province_case_overdue(province_id: int, on: str | None = None) -> dict | None:
    """Flag one province's overdue cases once a day (CycleRun keyed); None when done."""
    return case_overdue_cycle(province_id, _day(on))
