"""Overdue rectification orders (document 4: 限期整改), flagged daily.

Daily (beat: `accountability.tasks.run_rectification_overdue_cycles`, 01:50
Asia/Shanghai), one task per province, keyed (rectification_overdue,
YYYY-MM-DD, province) in CycleRun. Every order the ordered organisation
still has to work on (issued, in progress, returned) past its deadline gets
`overdue_since` (the first day late) and one reminder on the ISSUING
organisation, keyed by the order; acceptance (or cancellation) resolves it.
Running a day twice changes nothing. Pages do not wait for this: they
compute "overdue" from the date (selectors.overdue_q).
"""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

CYCLE = "rectification_overdue"


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


def flag_overdue(province_id: int, on: date) -> dict:
    """Flag one province's orders past their deadline, in batches of ids."""
    from django.db.models import F

    from branches.models import Reminder
    from education.cycles import _ids_in_batches, _raise_reminders

    from .models import WORKING, RectificationOrder
    from .services import REMINDER_KIND, reminder_key

    late = RectificationOrder.objects.filter(
        organization__province_id=province_id, status__in=WORKING, deadline__lt=on
    )
    flagged = raised = orders = 0
    for ids in _ids_in_batches(late):
        rows = list(
            RectificationOrder.objects.filter(pk__in=ids).values_list(
                "pk", "issued_by_org_id", "deadline", "organization__name"
            )
        )
        orders += len(rows)
        flagged += RectificationOrder.objects.filter(pk__in=ids, overdue_since__isnull=True).update(
            overdue_since=F("deadline") + timedelta(days=1)
        )
        raised += _raise_reminders(
            [
                Reminder(
                    organization_id=issuer_id,
                    kind=REMINDER_KIND,
                    due_on=deadline,
                    key=reminder_key(pk),
                    detail=(
                        _("Rectification order no. %(number)s of %(org)s was due on %(day)s.")
                        % {"number": pk, "org": name, "day": deadline}
                    )[:300],
                )
                for pk, issuer_id, deadline, name in rows
            ]
        )
    return {"overdue": orders, "flagged": flagged, "reminders": raised}


def overdue_cycle(province_id: int, on: date) -> dict | None:
    """The daily run for one province; None when today's is done."""
    from education.cycles import _unit

    return _unit(CYCLE, on.isoformat(), province_id, lambda: flag_overdue(province_id, on))


@shared_task(bind=True, acks_late=True)
def run_rectification_overdue_cycles(self, on: str | None = None) -> dict:
    """Daily: enqueue the overdue detection of every province."""
    from education.cycles import fan_out

    return fan_out(self.request, _day(on), run_province_rectification_overdue)


@shared_task(acks_late=True)
def run_province_rectification_overdue(province_id: int, on: str | None = None) -> dict | None:
    """Flag one province's overdue orders once a day (CycleRun keyed); None when done."""
    return overdue_cycle(province_id, _day(on))
