"""Year-end reports for the generic URL walk (tests/test_scope_walk.py).

`add_year_end_reports(a, b, user)`: the walker is a secretary of a["branch1"],
whose role reaches that branch's whole subtree, so the branch's report is in
reach (done, with real files: the walk sets MEDIA_ROOT to a temporary
folder); a["branch2"]'s (same township) and b["branch1"]'s are not."""

from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import YearEndReport

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add_year_end_reports(a, b, user):
    now = timezone.now()
    for org in (a["branch2"], b["branch1"], a["branch1"]):
        report = YearEndReport.objects.create(
            organization=org,
            year=2025,
            requested_by=user,
            requested_at=now,
            started_at=now,
            finished_at=now,
        )
        report.pdf.save(f"{org.code}-2025-1.pdf", ContentFile(PDF), save=False)
        report.xlsx.save(f"{org.code}-2025-1.xlsx", ContentFile(b"PK"), save=False)
        report.status, report.progress, report.step = "done", 100, "store"
        report.save()
