"""Objects of annual written reports for the generic URL walk (tests/test_scope_walk.py).

`add_written_reports(a, b, user)`: the walker is a secretary of a["branch1"].
Written reports are written by local committees of a province, city or county
and by department party groups: none is in a branch secretary's reach (the
township's grassroots committee does not report). So the reports made here are
out of reach — the county's report to the city in province a (the walker's own
county: a branch secretary still must not see it) and the county's report in
province b — except one: the city of province a's report, shared with the
walker by a view grant (an object permission), so the walk finds the report
pages in reach. Each report carries a figure row and a plenary attachment (a
real file: the walk sets MEDIA_ROOT to a temporary folder)."""

import datetime
import secrets

from django.core.files.base import ContentFile
from django.utils import timezone

from accountability.written_reports.models import WrittenReport, WrittenReportFigure

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add_report(organization, recipient, by, year=2025):
    now = timezone.now()
    report = WrittenReport.objects.create(
        organization=organization,
        recipient=recipient,
        year=year,
        status="submitted",
        achievements="按期换届率100%",
        problems="流动党员联系不及时",
        plans="建立按月联系制度",
        plenary_on=datetime.date(year, 12, 28),
        figures_computed_at=now,
        created_by=by,
        first_submitted_at=now,
        submitted_at=now,
        submitted_by=by,
    )
    WrittenReportFigure.objects.create(
        report=report,
        key="members",
        label="党员人数",
        unit="count",
        value=2,
        formula="名册上的党员",
        records_url="",
        computed_at=now,
    )
    report.plenary_token = secrets.token_hex(16)
    report.plenary_extension = ".pdf"
    report.plenary_file_name = "全委会报告.pdf"
    report.plenary_content_type = "application/pdf"
    report.plenary_size = len(PDF)
    report.plenary_file.save(f"{report.plenary_token}.pdf", ContentFile(PDF), save=False)
    report.save()
    return report


def add_written_reports(a, b, user):
    from branches.models import Role
    from branches.services import grant_object_permission
    from tests.factories import RoleAssignmentFactory, UserFactory

    for org, recipient in (
        (a["county"], a["city"]),
        (b["county"], b["city"]),
        (a["city"], a["province"]),
    ):
        by = UserFactory()
        RoleAssignmentFactory(user=by, role=Role.ORG_STAFF, organization=org)
        report = add_report(org, recipient, by)
    grant_object_permission(actor=None, user=user, obj=report, action="view", reason="walk")
