"""The yearly review of the 《流动党员活动证》 (document 3, 三（一）: "由流动党员正式
组织关系所在党支部或组织生活所在党支部每年审核一次").

A certificate in use is valid until a year (policy
`certificate_review_interval_years`) after its issue or its last review
(`certificate_pdf.valid_until`, printed on the certificate). Each month, per
province, keyed (mobile_certificate_review, YYYY-MM, province) in CycleRun,
every certificate whose validity ends within REVIEW_NOTICE_DAYS (or has
ended) gets one reminder for the outflow branch, due on that day and keyed
by certificate and day. A review moves the day on and resolves the
reminder; so do a return and a cancellation. Running twice changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Organization, Reminder, ReminderKind
from branches.policies import policies_for_organizations

from .certificate_pdf import valid_until
from .models import Certificate, CertificateStatus

CYCLE = "mobile_certificate_review"
BATCH = 1000
REVIEW_NOTICE_DAYS = 60
IN_USE = (CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN)


def reminder_key(certificate_id: int, due_on: date) -> str:
    return f"certificate_review:{certificate_id}:{due_on.isoformat()}"


def with_review_due(certificates, on: date | None = None) -> list[Certificate]:
    """Set `valid_until` and `review_due` (ends within the notice, or ended) on
    each certificate. Certificates need `last_review` annotated (see
    `in_use_with_last_review`); two queries whatever their number."""
    on = on or timezone.localdate()
    certificates = list(certificates)
    branch_ids = {c.episode.outflow_branch_id for c in certificates}
    branches = Organization.objects.filter(pk__in=branch_ids).only("pk", "path")
    years = {
        pk: values["certificate_review_interval_years"]
        for pk, values in policies_for_organizations(branches, on).items()
    }
    for c in certificates:
        c.valid_until = valid_until(
            c, [c.last_review], years=years.get(c.episode.outflow_branch_id, 1)
        )
        c.review_due = (
            c.status in IN_USE
            and c.valid_until is not None
            and c.valid_until <= on + timedelta(days=REVIEW_NOTICE_DAYS)
        )
    return certificates


def in_use_with_last_review(queryset):
    return queryset.filter(status__in=IN_USE).annotate(last_review=Max("reviews__reviewed_on"))


def raise_review_reminders(province_id: int, on: date) -> dict:
    """Reminders of the reviews falling due in one province (in batches of ids)."""
    from education.cycles import _raise_reminders

    certificates = in_use_with_last_review(
        Certificate.objects.filter(episode__province_id=province_id)
    ).select_related("episode")
    raised = 0
    last = 0
    while True:
        batch = list(certificates.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            break
        due = [c for c in with_review_due(batch, on) if c.review_due]
        raised += _raise_reminders(
            [
                Reminder(
                    organization_id=c.episode.outflow_branch_id,
                    member_id=c.member_id,
                    kind=ReminderKind.CERTIFICATE_REVIEW,
                    due_on=c.valid_until,
                    key=reminder_key(c.pk, c.valid_until),
                    detail=_("Certificate %(number)s is valid until %(day)s: review it.")
                    % {"number": c.number, "day": c.valid_until},
                )
                for c in due
            ]
        )
        last = batch[-1].pk
    return {"raised": raised}


def certificate_review_cycle(province_id: int, on: date) -> dict | None:
    """The monthly run for one province; None when this month's is done."""
    from education.cycles import _unit

    return _unit(
        CYCLE, on.strftime("%Y-%m"), province_id, lambda: raise_review_reminders(province_id, on)
    )


def resolve_review_reminders(certificate: Certificate) -> int:
    """Close the certificate's open review reminders (after a review, return or
    cancellation)."""
    return Reminder.objects.filter(
        kind=ReminderKind.CERTIFICATE_REVIEW,
        key__startswith=f"certificate_review:{certificate.pk}:",
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())
