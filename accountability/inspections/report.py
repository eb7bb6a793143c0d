"""The spot-check report: PDF (WeasyPrint, CJK fonts) and .xlsx (openpyxl).

Generated on request from the stored draw and the current records, for
whoever sees the check (the view checks that)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from config.pdf import render_pdf

from .models import InspectionResult, SpotCheck, SpotCheckItem
from .selectors import report_data

PDF_CSS = """
h1 { font-size: 15pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 0.5pt solid #888; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.num { text-align: right; }
.small { font-size: 9pt; color: #555; }
"""


def pdf_bytes(check: SpotCheck) -> bytes:
    context = report_data(check)
    context["generated_at"] = timezone.localtime()
    context["items"] = SpotCheckItem.choices
    return render_pdf("accountability/inspections/report_pdf.html", context, extra_css=PDF_CSS)


def _bold(sheet, row: list) -> None:
    sheet.append([str(v) for v in row])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _no_formulas(book: Workbook) -> None:
    """Text is never a formula, whatever a title or a name starts with ("=", …)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def xlsx_bytes(check: SpotCheck) -> bytes:
    data = report_data(check)
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    summary.append([str(check.title)])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([_("organising organisation"), check.organizing_org.name])
    summary.append([_("year"), check.year])
    summary.append([_("random seed"), str(check.seed) if check.seed is not None else ""])
    summary.append([])
    _bold(summary, [_("area"), _("sector"), _("size"), _("population"), _("drawn")])
    for row in data["strata"]:
        summary.append(
            [
                row["area"].name if row["area"] else "",
                str(row["sector"]),
                str(row["band"]),
                row["population"],
                row["drawn"],
            ]
        )
    summary.append([_("Total"), "", "", data["population_total"], data["drawn_total"]])
    summary.append([])
    _bold(summary, [_("Checklist results"), _("count")])
    for label, count in data["results"]:
        summary.append([str(label), count])
    summary.append([])
    _bold(summary, [_("Findings by severity"), _("count")])
    for label, count in data["severities"]:
        summary.append([str(label), count])
    summary.append([])
    _bold(summary, [_("Rectification status"), _("count")])
    for label, count in data["order_statuses"]:
        summary.append([str(label), count])
    summary.column_dimensions["A"].width = 36

    units = book.create_sheet(_("Units")[:31])
    result_labels = dict(InspectionResult.choices)
    _bold(
        units,
        [
            _("branch"),
            _("members drawn"),
            *[label for _v, label in SpotCheckItem.choices],
            _("findings"),
            _("open orders"),
        ],
    )
    for unit in data["units"]:
        by_item = {e.item: e.result for e in unit.entries.all()}
        findings = list(unit.findings.all())
        units.append(
            [
                unit.branch.name,
                unit.member_count,
                *[
                    str(result_labels[by_item.get(item, "unchecked")])
                    for item, _l in SpotCheckItem.choices
                ],
                len(findings),
                sum(
                    1
                    for f in findings
                    if f.order
                    and f.order.status in ("issued", "in_progress", "returned", "submitted")
                ),
            ]
        )
    units.column_dimensions["A"].width = 30
    _no_formulas(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
