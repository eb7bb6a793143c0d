"""Member roster export (党员花名册导出) to .xlsx, in the columns of the import,
so that an export re-imports cleanly (0 created, every row unchanged).

The ID-card numbers are decrypted: only offer an export to users who may
change the members, and record who exported (the view does both, with
config.exports.record_export: the same audit record as every list export).
"""

from __future__ import annotations

import tempfile
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from config import exports

from . import idcard
from .imports import (
    COLUMNS,
    EDUCATION_LABELS,
    GENDER_LABELS,
    LEADERSHIP_LABELS,
    SECTOR_LABELS,
    STATUS_LABELS,
)

CHUNK_SIZE = 2000
SHEET_TITLE = "党员名册"
TEXT = "@"  # Excel's text format: long digit strings keep every digit
DATE_FORMAT = "yyyy-mm-dd"
WIDTHS = {"姓名": 12, "身份证号码": 22, "联系电话": 15, "工作单位类别": 14, "领导职务级别": 13}
XLSX_CONTENT_TYPE = exports.XLSX_CONTENT_TYPE


def _cells(sheet, member) -> list:
    def text(value: str):
        cell = WriteOnlyCell(sheet, value=value or None)
        if value:
            # Always a string: a name like "=HYPERLINK(…)" must not become a formula.
            cell.data_type = "s"
        cell.number_format = TEXT
        return cell

    def day(value):
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell

    values = {
        "name": text(member.name),
        "gender": GENDER_LABELS.get(member.gender, ""),
        "ethnicity": text(member.ethnicity),
        "birth_date": day(member.birth_date),
        "education": EDUCATION_LABELS.get(member.education, ""),
        "id_number": text(idcard.decrypt(member.id_number_encrypted)),
        "phone": text(member.phone),
        "joined_on": day(member.joined_on),
        "status": STATUS_LABELS.get(member.status, ""),
        "full_since": day(member.full_since),
        "employer_sector": SECTOR_LABELS.get(member.employer_sector, ""),
        "leadership_level": LEADERSHIP_LABELS.get(member.leadership_level, "") or None,
    }
    return [values[column.field] for column in COLUMNS]


def export_members_xlsx(queryset: QuerySet) -> tuple[IO[bytes], int]:
    """Write the members of `queryset` (already scoped by the caller) to a
    workbook in a temporary file; returns the file, at its start, and the
    number of members written. Memory stays bounded: members are read in
    chunks and openpyxl writes rows straight to disk (write_only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column.header, 11)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows = 0
    for member in queryset.iterator(chunk_size=CHUNK_SIZE):
        sheet.append(_cells(sheet, member))
        rows += 1
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the caller
    workbook.save(output)
    output.seek(0)
    return output, rows
