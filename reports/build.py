"""Building a year-end report: the roll-ups of the organisation's subtree
(dashboards.selectors) as content, a PDF (WeasyPrint, CJK fonts through
config.pdf) and an .xlsx (openpyxl), stored on the report.

`build(report_id, generation)` runs the steps of `models.STEPS` and records
the progress after each. Idempotent: a generation already done (or failed)
is left alone, and a stale generation (the report was requested again
meanwhile) stops at its next step and stores nothing.
"""

from __future__ import annotations

import io
import logging
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from config.pdf import render_pdf
from dashboards import metrics
from dashboards import selectors as dashboards

from .models import STEPS, ReportStatus, YearEndReport

logger = logging.getLogger(__name__)

PROGRESS = {key: progress for key, progress, _label in STEPS}
PDF_TEMPLATE = "reports/pdf.html"
PDF_CSS = """
@page { size: A4 landscape; margin: 14mm 12mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 0.5pt solid #888; padding: 0.8mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.num { text-align: right; }
.small { font-size: 8.5pt; color: #555; }
.wide td, .wide th { font-size: 8pt; }
.wide td:first-child, .wide th:first-child { width: 32mm; }
.worse { color: #b00; }
"""
MAX_SHEET_TITLE = 31


class Stale(Exception):
    """The report was requested again (or finished) while this run worked."""


# --- content ----------------------------------------------------------------------


def _number(value):
    """Rates are Decimals with one decimal: kept as numbers (float) in JSON."""
    return float(value) if isinstance(value, Decimal) else value


def _when(value) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None


def figure_groups(organization, year: int) -> list[dict]:
    """Every metric of the subtree this year and last year, grouped as the dashboard."""
    current = dashboards.figures(organization, year)
    previous = dashboards.figures(organization, year - 1)
    groups: dict[str, list[dict]] = {}
    for key, metric in metrics.METRICS.items():
        value, before = current[key], previous[key]
        change = value - before
        groups.setdefault(str(metric.group), []).append(
            {
                "key": key,
                "label": str(metric.label),
                "value": _number(value),
                "previous": _number(before),
                "change": _number(change),
                "rate": metric.rate_of is not None,
                "worse": change > 0 if metric.lower_is_better else change < 0,
            }
        )
    return [{"label": label, "rows": rows} for label, rows in groups.items()]


def child_table(board) -> dict:
    return {
        "columns": [{"key": m.key, "label": str(m.label)} for m in board.table_metrics],
        "children": [
            {
                "id": row.organization.pk,
                "name": row.organization.name,
                "code": row.organization.code,
                "values": {key: _number(v) for key, v in row.values.items()},
                # The same values in the order of the columns (for the templates).
                "cells": [_number(row.values[m.key]) for m in board.table_metrics],
                "computed_at": _when(row.computed_at),
            }
            for row in board.children
        ],
    }


def month_rows(board) -> list[dict]:
    return [
        {
            "month": m.month,
            "activities": m.activities,
            "attendance_expected": m.attendance_expected,
            "attendance_present": m.attendance_present,
            "attendance_rate": _number(m.attendance_rate),
        }
        for m in board.months
    ]


# --- files --------------------------------------------------------------------------


def title(organization_name: str, year: int) -> str:
    return _("%(org)s year-end report %(year)s") % {"org": organization_name, "year": year}


def pdf_bytes(content: dict) -> bytes:
    return render_pdf(
        PDF_TEMPLATE,
        {"c": content, "title": title(content["organization"]["name"], content["year"])},
        extra_css=PDF_CSS,
    )


def _text_cells(sheet) -> None:
    """Text is never a formula, whatever a name starts with ("=", …)."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _header(sheet, labels) -> None:
    sheet.append([str(label) for label in labels])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def xlsx_bytes(content: dict) -> bytes:
    book = Workbook()
    figures = book.active
    figures.title = _("Figures")[:MAX_SHEET_TITLE]
    figures.append([title(content["organization"]["name"], content["year"])])
    figures["A1"].font = Font(bold=True, size=13)
    figures.append([_("Figures as of"), content["computed_at"] or ""])
    figures.append([_("Last full recount"), content["reconciled_at"] or ""])
    figures.append([])
    _header(
        figures,
        [
            _("Field of work"),
            _("Item"),
            content["year"],
            content["year"] - 1,
            _("Change since last year"),
        ],
    )
    for group in content["groups"]:
        for row in group["rows"]:
            figures.append(
                [group["label"], row["label"], row["value"], row["previous"], row["change"]]
            )
    figures.column_dimensions["A"].width = 16
    figures.column_dimensions["B"].width = 40

    children = book.create_sheet(_("Organisations below")[:MAX_SHEET_TITLE])
    columns = content["columns"]
    _header(
        children,
        [_("Organisation"), _("Code"), *[c["label"] for c in columns], _("Figures as of")],
    )
    for child in content["children"]:
        children.append(
            [
                child["name"],
                child["code"],
                *child["cells"],
                child["computed_at"] or "",
            ]
        )
    children.column_dimensions["A"].width = 30

    months = book.create_sheet(_("Monthly trend")[:MAX_SHEET_TITLE])
    _header(
        months,
        [
            _("Month"),
            _("Activities"),
            _("Attendance expected"),
            _("Attendance present"),
            _("Attendance rate (%)"),
        ],
    )
    for m in content["months"]:
        months.append(
            [
                m["month"],
                m["activities"],
                m["attendance_expected"],
                m["attendance_present"],
                m["attendance_rate"],
            ]
        )
    for sheet in book.worksheets:
        _text_cells(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the run ------------------------------------------------------------------------


def advance(report_id: int, generation: int, step: str) -> None:
    """Record that `step` is done (committed at once: the page polls it)."""
    updated = YearEndReport.objects.filter(
        pk=report_id, generation=generation, status=ReportStatus.RUNNING
    ).update(progress=PROGRESS[step], step=step)
    if not updated:
        raise Stale


def _start(report_id: int, generation: int) -> YearEndReport | None:
    with transaction.atomic():
        report = (
            YearEndReport.objects.select_for_update()
            .select_related("organization", "requested_by")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.generation != generation:
            return None
        if report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return None
        # A run cut short (worker lost) starts again from the beginning.
        report.status = ReportStatus.RUNNING
        report.progress = 0
        report.step = "start"
        report.started_at = timezone.now()
        report.error = ""
        with pghistory.context(action="year_end_report_start"):
            report.save(update_fields=["status", "progress", "step", "started_at", "error"])
    return report


def _store(report_id: int, generation: int, content: dict, pdf: bytes, xlsx: bytes) -> None:
    with transaction.atomic():
        report = (
            YearEndReport.objects.select_for_update()
            .select_related("organization")
            .filter(pk=report_id, generation=generation, status=ReportStatus.RUNNING)
            .first()
        )
        if report is None:
            raise Stale
        old_names = [f.name for f in (report.pdf, report.xlsx) if f]
        stem = f"{report.organization.code}-{report.year}-{generation}"
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.content = content
        report.status = ReportStatus.DONE
        report.progress = PROGRESS["store"]
        report.step = "store"
        report.finished_at = timezone.now()
        with pghistory.context(action="year_end_report_done"):
            report.save(
                update_fields=[
                    "pdf",
                    "xlsx",
                    "content",
                    "status",
                    "progress",
                    "step",
                    "finished_at",
                ]
            )
        storage = report.pdf.storage
        for name in old_names:
            if name not in (report.pdf.name, report.xlsx.name):
                transaction.on_commit(lambda n=name: storage.delete(n))


def fail(report_id: int, generation: int, error: str) -> None:
    """Mark the generation failed (nothing stored), unless it is stale."""
    with pghistory.context(action="year_end_report_failed"):
        YearEndReport.objects.filter(
            pk=report_id,
            generation=generation,
            status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
        ).update(status=ReportStatus.FAILED, error=error[:2000], finished_at=timezone.now())


def build(report_id: int, generation: int) -> bool:
    """Build and store the report's `generation`; False when there was nothing to do."""
    report = _start(report_id, generation)
    if report is None:
        return False
    organization, year = report.organization, report.year
    if not dashboards.may_view(report.requested_by, organization):
        fail(report_id, generation, _("The person who asked for the report may no longer see it."))
        return False
    try:
        with translation.override(settings.LANGUAGE_CODE):
            groups = figure_groups(organization, year)
            advance(report_id, generation, "figures")
            board = dashboards.dashboard(report.requested_by, organization, year)
            table = child_table(board)
            advance(report_id, generation, "children")
            content = {
                "organization": {
                    "id": organization.pk,
                    "name": organization.name,
                    "code": organization.code,
                },
                "year": year,
                "groups": groups,
                **table,
                "months": month_rows(board),
                "computed_at": _when(board.computed_at),
                "reconciled_at": _when(board.reconciled_at),
            }
            advance(report_id, generation, "months")
            pdf = pdf_bytes(content)
            advance(report_id, generation, "pdf")
            xlsx = xlsx_bytes(content)
            advance(report_id, generation, "xlsx")
            _store(report_id, generation, content, pdf, xlsx)
    except Stale:
        logger.info("year-end report %s: generation %s is stale", report_id, generation)
        return False
    return True
