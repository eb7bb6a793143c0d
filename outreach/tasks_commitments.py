"""Background work of members' commitments (document 2, 二（二）).

Daily from 1 April: per branch and year, one COMMITMENT_MISSING reminder
saying how many able members have no commitment yet (keyed, so raising it
again is a no-op; its count is kept current, and it is resolved once every
able member has one). Each province's day is one CycleRun unit.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task

MISSING_FROM = (4, 1)  # month, day: members have had the first quarter to commit
CYCLE = "commitment_missing"
REMINDER_KIND = "commitment_missing"


def reminder_key(branch_id: int, year: int) -> str:
    return f"{CYCLE}:{branch_id}:{year}"


def missing_by_branch(province_id: int, year: int) -> dict[int, int]:
    """{branch id: able current members without a counted commitment in `year`} (one query)."""
    from django.db.models import Count, Exists, OuterRef

    from members.models import Member

    from .models import MADE_COMMITMENT, Commitment
    from .services_commitments import able_members

    counted = Commitment.objects.filter(
        member=OuterRef("pk"), year=year, status__in=MADE_COMMITMENT
    )
    rows = (
        able_members(Member.objects.filter(province_id=province_id))
        .filter(~Exists(counted))
        .order_by()
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    return dict(rows)


def commitment_missing_cycle(province_id: int, on: date) -> dict | None:
    """Raise, refresh or resolve the province's reminders for `on`; None when
    already done for the day or before 1 April."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from branches.models import Reminder
    from education.cycles import _raise_reminders, _unit

    year = on.year
    if on < date(year, *MISSING_FROM):
        return None

    def work():
        missing = missing_by_branch(province_id, year)
        details = {
            branch_id: _(
                "%(count)s able members have no commitment for %(year)s "
                "(document 2, 二（二）: one or two practical deeds a year)."
            )
            % {"count": n, "year": year}
            for branch_id, n in missing.items()
        }
        raised = _raise_reminders(
            [
                Reminder(
                    organization_id=branch_id,
                    kind=REMINDER_KIND,
                    due_on=date(year, 12, 31),
                    key=reminder_key(branch_id, year),
                    detail=details[branch_id],
                )
                for branch_id in missing
            ]
        )
        # Keep the counts current on reminders still open.
        open_reminders = Reminder.objects.filter(
            kind=REMINDER_KIND,
            key__startswith=f"{CYCLE}:",
            key__endswith=f":{year}",
            resolved_at__isnull=True,
            organization__province_id=province_id,
        ).only("pk", "organization_id", "detail")
        changed, resolved = [], []
        for reminder in open_reminders:
            detail = details.get(reminder.organization_id)
            if detail is None:
                resolved.append(reminder.pk)
            elif detail != reminder.detail:
                reminder.detail = detail
                changed.append(reminder)
        Reminder.objects.bulk_update(changed, ["detail"], batch_size=1000)
        Reminder.objects.filter(pk__in=resolved).update(resolved_at=timezone.now())
        return {
            "branches": len(missing),
            "members": sum(missing.values()),
            "reminders": raised,
            "resolved": len(resolved),
        }

    return _unit(CYCLE, on.isoformat(), province_id, work)


@shared_task(bind=True, acks_late=True)
def run_commitment_cycles(self, on: str | None = None) -> dict:
    """Daily: enqueue each province's commitment reminders."""
    from django.utils import timezone

    from education.cycles import fan_out

    day = date.fromisoformat(on) if on else timezone.localdate()
    return fan_out(self.request, day, run_province_commitments)


@shared_task(acks_late=True)
def run_province_commitments(province_id: int, on: str | None = None) -> dict | None:
    """One province's COMMITMENT_MISSING reminders for a day (CycleRun keyed)."""
    from django.utils import timezone

    day = date.fromisoformat(on) if on else timezone.localdate()
    return commitment_missing_cycle(int(province_id), day)
