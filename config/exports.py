"""Any list page as .xlsx, streamed with bounded memory, and a record of who
exported what.

    return xlsx_response(
        request,
        rows=queryset,  # the page's filtered, scoped queryset (all pages)
        columns=[(_("name"), "name"), (_("branch"), "branch.name"), ...],
        filename="党员.xlsx",
        what="members.list",
        organization=org,
    )

Rows are read with `.iterator(chunk_size=2000)`, never all at once; openpyxl
writes them straight to a temporary file (write-only mode) and the response
streams that file. So memory stays bounded whatever the row count. Every
export leaves an append-only ExportRecord (branches.models).

A column is (label, accessor) or (label, accessor, width). An accessor is
a dotted attribute path ("branch.name", "get_status_display";
a method at the end is called) or a callable taking the row.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from django.db.models import Manager, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from branches.models import ExportRecord

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
TEXT_FORMAT = "@"  # Excel's text format: long digit strings keep every digit
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_PATH = ExportRecord._meta.get_field("path").max_length
MAX_SHEET_TITLE = 31  # Excel's limit

Accessor = str | Callable[[Any], Any]
Column = tuple[Any, Accessor] | tuple[Any, Accessor, int]  # label, accessor[, width]


def wants_xlsx(request) -> bool:
    """Does the list page's request ask for the export (`?format=xlsx`)?"""
    return request.GET.get("format") == "xlsx"


def resolve(obj, accessor: Accessor):
    """The value of one column for one row."""
    if callable(accessor):
        return accessor(obj)
    value = obj
    for name in accessor.split("."):
        if value is None:
            return None
        value = getattr(value, name)
        if callable(value) and not isinstance(value, Promise | Manager):
            value = value()
    return value


def cell(sheet, value) -> WriteOnlyCell | None:
    """One cell: text stays text (never a formula), dates get a date format,
    numbers stay numbers, booleans read 是/否."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        result = WriteOnlyCell(sheet, value=value)
        result.number_format = DATETIME_FORMAT
        return result
    if isinstance(value, datetime.date):
        result = WriteOnlyCell(sheet, value=value)
        result.number_format = DATE_FORMAT
        return result
    if isinstance(value, int | float | Decimal):
        return WriteOnlyCell(sheet, value=value)
    result = WriteOnlyCell(sheet, value=str(value))
    # Always a string: "=HYPERLINK(…)", "+1", "-1", "@x" must not become formulas.
    result.data_type = "s"
    result.number_format = TEXT_FORMAT
    return result


def header_cells(sheet, labels: Iterable) -> list[WriteOnlyCell]:
    bold = Font(bold=True)
    cells = []
    for label in labels:
        header = WriteOnlyCell(sheet, value=str(label))
        header.data_type = "s"
        header.font = bold
        cells.append(header)
    return cells


def write_xlsx(
    rows: QuerySet | Iterable, columns: Sequence[Column], *, sheet_title: str = "Sheet1"
) -> tuple[IO[bytes], int]:
    """Write `rows` to a workbook in a temporary file; returns the file, at
    its start, and the number of rows written (header not counted)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    for index, column in enumerate(columns, start=1):
        width = column[2] if len(column) > 2 else max(10, 2 * len(str(column[0])) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, (column[0] for column in columns)))
    accessors = [column[1] for column in columns]
    iterable = rows.iterator(chunk_size=CHUNK_SIZE) if isinstance(rows, QuerySet) else rows
    count = 0
    for row in iterable:
        sheet.append([cell(sheet, resolve(row, accessor)) for accessor in accessors])
        count += 1
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response
    workbook.save(output)
    output.seek(0)
    return output, count


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:MAX_SHEET_TITLE].strip() or "Sheet1"


def record_export(request, *, what: str, row_count: int, organization=None) -> ExportRecord:
    """The audit record of one export (append-only)."""
    return ExportRecord.objects.create(
        user=request.user,
        what=what[: ExportRecord._meta.get_field("what").max_length],
        path=request.get_full_path()[:MAX_PATH],
        organization=organization,
        row_count=row_count,
    )


def file_response(output: IO[bytes], filename: str) -> FileResponse:
    """Stream the workbook; a Chinese file name survives (filename*=utf-8''…)."""
    response = FileResponse(
        output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(
    request,
    *,
    rows: QuerySet | Iterable,
    columns: Sequence[Column],
    filename: str,
    what: str,
    organization=None,
    sheet_title: str | None = None,
) -> FileResponse:
    """The list as an .xlsx download, recorded as an ExportRecord.

    `rows` must already be the queryset the page shows, scoped with
    visible_to and filtered as the page is (all pages, not one).
    """
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    output, count = write_xlsx(rows, columns, sheet_title=sheet_title or filename[:-5])
    record_export(request, what=what, row_count=count, organization=organization)
    return file_response(output, filename)


def dated_filename(*parts) -> str:
    """The parts joined by "-", today appended: 西湖区-党员-20261201.xlsx."""
    names = [str(part) for part in parts if part]
    names.append(f"{timezone.localdate():%Y%m%d}")
    return "-".join(names) + ".xlsx"
