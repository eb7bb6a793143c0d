"""Demo year-end report: last year's report of 西湖区 (ZJ-HZ-XH), built
synchronously (the demo needs no worker). Idempotent: a report already done
is left alone."""

from __future__ import annotations

from django.utils import timezone

from branches.models import Organization, User
from dashboards import rollups
from dashboards.models import Rollup
from dashboards.selectors import may_view

from . import build
from .models import ReportStatus, YearEndReport

ORG_CODE = "ZJ-HZ-XH"
REQUESTER = "xh_org"


def ensure_year_end_reports(seed: int = 0) -> int:
    """Create and build the report; returns the number of reports built (0 or 1)."""
    organization = Organization.objects.filter(code=ORG_CODE).first()
    if organization is None:
        return 0
    year = timezone.localdate().year - 1
    if YearEndReport.objects.filter(
        organization=organization, year=year, status=ReportStatus.DONE
    ).exists():
        return 0
    requester = User.objects.filter(username=REQUESTER).first()
    if requester is None or not may_view(requester, organization):
        requester = User.objects.filter(is_superuser=True).order_by("pk").first()
    if requester is None:
        return 0
    for y in (year, year - 1):  # the figures and last year's, for the comparison
        if not Rollup.objects.filter(organization=organization, year=y, month=0).exists():
            rollups.reconcile(organization.province_id or organization.pk, y)
    report, created = YearEndReport.objects.get_or_create(
        organization=organization,
        year=year,
        defaults={"requested_by": requester, "requested_at": timezone.now()},
    )
    if not created:  # queued or failed: build a fresh generation
        report.generation += 1
        report.status = ReportStatus.QUEUED
        report.progress = 0
        report.requested_by = requester
        report.save(update_fields=["generation", "status", "progress", "requested_by"])
    return int(build.build(report.pk, report.generation))
