"""The yearly review of the 《流动党员活动证》 (document 3, 三（一）: "由流动党员正式
组织关系所在党支部或组织生活所在党支部每年审核一次").

Each month, per province, keyed (mobile_certificate_review, YYYY-MM, province)
in CycleRun: every certificate issued before this year and still in use
(issued or checked in) without this year's review gets one reminder for the
outflow branch, due on 31 December, keyed by certificate and year. A review
resolves it (services.certificate_review), so do a return or a cancellation.
Running a month twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Reminder, ReminderKind

from .models import Certificate, CertificateReview, CertificateStatus

CYCLE = "mobile_certificate_review"
BATCH = 1000
IN_USE = (CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN)


def reminder_key(certificate_id: int, year: int) -> str:
    return f"certificate_review:{certificate_id}:{year}"


def due_for_review(year: int):
    """Certificates in use, issued before `year`, without a review in `year`."""
    start = timezone.make_aware(datetime(year, 1, 1))
    return Certificate.objects.filter(status__in=IN_USE, issued_at__lt=start).exclude(
        Exists(CertificateReview.objects.filter(certificate=OuterRef("pk"), year=year))
    )


def raise_review_reminders(province_id: int, on: date) -> dict:
    """Reminders of the year's reviews still to do in one province (in batches)."""
    from education.cycles import _raise_reminders

    year = on.year
    due = due_for_review(year).filter(episode__province_id=province_id)
    raised = 0
    last = 0
    while True:
        batch = list(
            due.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "number", "member_id", "episode__outflow_branch_id")[:BATCH]
        )
        if not batch:
            break
        raised += _raise_reminders(
            [
                Reminder(
                    organization_id=row["episode__outflow_branch_id"],
                    member_id=row["member_id"],
                    kind=ReminderKind.CERTIFICATE_REVIEW,
                    due_on=date(year, 12, 31),
                    key=reminder_key(row["pk"], year),
                    detail=_("Certificate %(number)s: review it once in %(year)s.")
                    % {"number": row["number"], "year": year},
                )
                for row in batch
            ]
        )
        last = batch[-1]["pk"]
    return {"raised": raised}


def certificate_review_cycle(province_id: int, on: date) -> dict | None:
    """The monthly run for one province; None when this month's is done."""
    from education.cycles import _unit

    return _unit(
        CYCLE, on.strftime("%Y-%m"), province_id, lambda: raise_review_reminders(province_id, on)
    )


def resolve_review_reminders(certificate: Certificate, year: int | None = None) -> int:
    """Close the certificate's open review reminders (of one year, or all)."""
    keys = Reminder.objects.filter(
        kind=ReminderKind.CERTIFICATE_REVIEW,
        key__startswith=f"certificate_review:{certificate.pk}:",
        resolved_at__isnull=True,
    )
    if year is not None:
        keys = keys.filter(key=reminder_key(certificate.pk, year))
    return keys.update(resolved_at=timezone.now())
