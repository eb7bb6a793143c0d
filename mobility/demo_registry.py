"""Demo year-end mobility report: the latest reportable year's report of 阆中市 (SC-NC-LZ),
generated synchronously and submitted to 南充 (SC-NC).

Idempotent: a report already submitted (or decided) is left alone."""

from __future__ import annotations

from branches.models import Organization, User

from . import year_report
from .models import MobilityYearReport

COUNTY_CODE = "SC-NC-LZ"


def ensure_year_reports(actor: User | None = None) -> dict:
    """Generate and submit this year's report of 阆中市 (year-end, December);
    returns a summary."""
    county = Organization.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return {"year_reports": 0}
    actor = actor or User.objects.filter(is_superuser=True).order_by("pk").first()
    year = year_report.latest_reportable_year()
    report, _created = MobilityYearReport.objects.get_or_create(organization=county, year=year)
    if report.status not in year_report.EDITABLE:
        return {"year_reports": 0}
    report.narrative = (
        "本年度我市认真落实流动党员管理有关规定，逐一核实外出党员去向，"
        "及时发放和审验《流动党员活动证》，督促流动党员按时报告情况、参加组织生活、交纳党费。"
    )
    report.save(update_fields=["narrative"])
    year_report.build(report.pk)  # synchronously: the demo needs no worker
    report.refresh_from_db()
    year_report.year_report_submit(actor=actor, report=report)
    return {"year_reports": 1}
