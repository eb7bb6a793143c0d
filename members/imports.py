"""Member roster import (党员花名册导入): an .xlsx or .csv file, checked row by
row, then saved all together or not at all.

The columns are those a branch keeps in its spreadsheet today (COLUMNS);
members/exports.py writes the same columns in the same order, so an export
re-imports cleanly. Headings are matched after removing spaces; a title row
above the headings is allowed.

`check_and_import(job_id)` reads the file of an ImportJob twice, each time in
bounded memory (one row at a time; members looked up in batches):

1. Check: every row is parsed and checked against the records the job's
   creator may change. Progress is committed as it goes, so a page can poll.
   Any bad row: status FAILED, the report lists exactly the bad rows, nothing
   is saved. A preview (dry run) stops here with status CHECKED and the counts
   of what would be created and updated.
2. Save: the file is read again and every row goes through
   members.services (member_create / member_update, actor = job.created_by)
   inside ONE transaction, which also sets the status DONE. Any error rolls
   everything back and is reported on its row.

Duplicates are found by the keyed hash of the ID-card number: a number already
recorded in a branch the creator may change updates that member (a blank cell
never overwrites); a number recorded anywhere else is an error on the row that
does not say where (ids leak nothing); the same number twice in the file is an
error on the second row.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from branches import scoping
from branches.models import Organization, OrgKind, Sector

from . import idcard, services
from .models import (
    Education,
    Gender,
    ImportJob,
    ImportStatus,
    LeadershipLevel,
    Member,
    MemberStatus,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # rows looked up (and kept in memory) at a time
MAX_ERRORS = 1000  # errors kept in the report; the rest are only counted
HEADER_SEARCH_ROWS = 10  # the headings may sit below a title row or two
PROGRESS_EVERY_SECONDS = 0.5
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Saving goes through the services at roughly 60 rows a second: 20 000 rows
# stay well inside the task's time limit. A branch's roster is far smaller.
MAX_ROWS = 20_000
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024  # a zip bomb is refused before reading
EXTENSIONS = (".xlsx", ".csv")
DEFAULT_ETHNICITY = "汉族"

# --- The columns and their values -----------------------------------------------------
# The headings and the words in the cells are a data format, not interface
# text: they are the same in every language.

GENDER_LABELS = {Gender.MALE: "男", Gender.FEMALE: "女"}
EDUCATION_LABELS = {
    Education.POSTGRADUATE: "研究生",
    Education.BACHELOR: "大学本科",
    Education.COLLEGE: "大学专科",
    Education.SECONDARY_VOCATIONAL: "中专",
    Education.HIGH_SCHOOL: "高中",
    Education.JUNIOR_OR_BELOW: "初中及以下",
}
STATUS_LABELS = {MemberStatus.PROBATIONARY: "预备党员", MemberStatus.FULL: "正式党员"}
SECTOR_LABELS = {
    Sector.GOVERNMENT: "机关",
    Sector.STATE_ENTERPRISE: "国有企业",
    Sector.PUBLIC_INSTITUTION: "事业单位",
    Sector.RURAL: "农村",
    Sector.COMMUNITY: "街道社区",
    Sector.PRIVATE_ENTERPRISE: "非公有制企业",
    Sector.SOCIAL_ORGANISATION: "社会组织",
    Sector.OTHER: "其他",
}
LEADERSHIP_LABELS = {
    LeadershipLevel.NONE: "",
    LeadershipLevel.PROVINCIAL: "省部级",
    LeadershipLevel.CITY: "市级",
    LeadershipLevel.COUNTY: "县级",
}

# Other words branches write for the same values.
GENDER_ALIASES = {"男性": Gender.MALE, "女性": Gender.FEMALE}
EDUCATION_ALIASES = {
    "博士": Education.POSTGRADUATE,
    "硕士": Education.POSTGRADUATE,
    "博士研究生": Education.POSTGRADUATE,
    "硕士研究生": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "中等专科": Education.SECONDARY_VOCATIONAL,
    "中技": Education.SECONDARY_VOCATIONAL,
    "技校": Education.SECONDARY_VOCATIONAL,
    "职高": Education.SECONDARY_VOCATIONAL,
    "初中": Education.JUNIOR_OR_BELOW,
    "小学": Education.JUNIOR_OR_BELOW,
    "小学及以下": Education.JUNIOR_OR_BELOW,
}
STATUS_ALIASES = {"预备": MemberStatus.PROBATIONARY, "正式": MemberStatus.FULL}
SECTOR_ALIASES = {
    "党政机关": Sector.GOVERNMENT,
    "国企": Sector.STATE_ENTERPRISE,
    "社区": Sector.COMMUNITY,
    "街道": Sector.COMMUNITY,
    "非公企业": Sector.PRIVATE_ENTERPRISE,
    "民营企业": Sector.PRIVATE_ENTERPRISE,
}
LEADERSHIP_ALIASES = {
    "无": LeadershipLevel.NONE,
    "省部级以上": LeadershipLevel.PROVINCIAL,
    "厅局级": LeadershipLevel.CITY,
    "地厅级": LeadershipLevel.CITY,
    "县处级": LeadershipLevel.COUNTY,
}
HEADER_ALIASES = {
    "身份证号": "身份证号码",
    "公民身份号码": "身份证号码",
    "出生年月日": "出生日期",
    "文化程度": "学历",
    "手机号码": "联系电话",
    "入党时间": "入党日期",
    "转正时间": "转正日期",
}


class CellError(Exception):
    """A cell that cannot be read; the message says why."""


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\ufeff", "").strip()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def normalize_header(value: Any) -> str:
    header = _compact(cell_text(value)).strip("*")
    return HEADER_ALIASES.get(header, header)


def _choice(labels: dict[str, str], aliases: dict[str, str]) -> Callable[[Any], str]:
    lookup = {label: value for value, label in labels.items() if label} | aliases

    def parse(value: Any) -> str:
        key = _compact(cell_text(value))
        if key in lookup:
            return lookup[key]
        choices = "、".join(label for label in labels.values() if label)
        raise CellError(_("Write one of: %(choices)s.") % {"choices": choices})

    return parse


DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value: Any) -> date:
    """A day from a real Excel date, an Excel serial number, 20060621,
    2006-06-21, 2006/6/21, 2006.6.21 or 2006年6月21日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 10_000_000 <= value <= 99_991_231:
            value = str(int(value))  # 20060621 typed as a number
        elif 1 <= value < 100_000:  # an Excel serial day number without a date format
            return from_excel(value).date()
    text = TIME_SUFFIX.sub("", unicodedata.normalize("NFKC", cell_text(value)))
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(_("Not a date; write it as 2006-06-21, 2006/6/21 or 2006年6月21日."))


def _parse_past_date(value: Any) -> date:
    day = parse_date(value)
    if day.year < 1900:
        raise CellError(_("This date is not possible."))
    if day > timezone.localdate():
        raise CellError(_("This date lies in the future."))
    return day


def _parse_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length:
            raise CellError(_("At most %(n)d characters.") % {"n": max_length})
        return text

    return parse


SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def _parse_id_number(value: Any) -> str:
    text = unicodedata.normalize("NFKC", cell_text(value))
    if isinstance(value, float) or SCIENTIFIC.fullmatch(text):
        raise CellError(
            _(
                "The ID-card number was stored as a number and has lost its last digits; "
                "format the column as text and enter the number again."
            )
        )
    try:
        return idcard.normalize(text)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


def _parse_phone(value: Any) -> str:
    return _parse_text(20)(unicodedata.normalize("NFKC", cell_text(value)))


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool  # the file must have this column
    parse: Callable[[Any], Any]


ID_COLUMN = "身份证号码"
COLUMNS = (
    Column("姓名", "name", True, _parse_text(64)),
    Column("性别", "gender", False, _choice(GENDER_LABELS, GENDER_ALIASES)),
    Column("民族", "ethnicity", False, _parse_text(16)),
    Column("出生日期", "birth_date", False, _parse_past_date),
    Column("学历", "education", True, _choice(EDUCATION_LABELS, EDUCATION_ALIASES)),
    Column(ID_COLUMN, "id_number", True, _parse_id_number),
    Column("联系电话", "phone", False, _parse_phone),
    Column("入党日期", "joined_on", True, _parse_past_date),
    Column("党员状态", "status", True, _choice(STATUS_LABELS, STATUS_ALIASES)),
    Column("转正日期", "full_since", False, _parse_past_date),
    Column("工作单位类别", "employer_sector", True, _choice(SECTOR_LABELS, SECTOR_ALIASES)),
    Column(
        "领导职务级别", "leadership_level", False, _choice(LEADERSHIP_LABELS, LEADERSHIP_ALIASES)
    ),
)
HEADERS = tuple(column.header for column in COLUMNS)
BY_HEADER = {column.header: column for column in COLUMNS}
HEADER_OF = {column.field: column.header for column in COLUMNS}
COLUMN_ORDER = {column.header: i for i, column in enumerate(COLUMNS)}
# A new member needs these; gender and date of birth come from the ID-card
# number when their cells (or columns) are blank.
NEEDED_FOR_NEW = ("name", "education", "joined_on", "status", "employer_sector")


# --- Reading the file -------------------------------------------------------------------


class FileProblem(Exception):
    """The file as a whole cannot be read: nothing is saved."""


def check_xlsx(fileobj) -> None:
    """An .xlsx is a zip with [Content_Types].xml and a sane unpacked size."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem(_("This is not an Excel workbook (.xlsx).")) from None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        raise FileProblem(_("This is not an Excel workbook (.xlsx)."))
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise FileProblem(
            _("The workbook is too large once unpacked; split it into several files.")
        )


def csv_encoding(fileobj) -> tuple[str, int]:
    """The encoding (UTF-8 with or without BOM, else GB18030) and the number
    of lines. Reads the whole file in chunks; refuses binary files."""
    for encoding in ("utf-8-sig", "gb18030"):
        fileobj.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        last = b""
        try:
            while chunk := fileobj.read(64 * 1024):
                if b"\x00" in chunk:
                    raise FileProblem(_("This is not a CSV text file."))
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
                last = chunk
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            fileobj.seek(0)
        if last and not last.endswith(b"\n"):
            lines += 1
        return encoding, lines
    raise FileProblem(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text."))


class _RawReader(io.RawIOBase):
    """Any object with read() as a raw stream, for io.TextIOWrapper."""

    def __init__(self, fileobj):
        self._fileobj = fileobj

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fileobj.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


Rows = Iterator[tuple[int, tuple]]


@dataclass
class Roster:
    """The data rows of a file, after its heading row."""

    header_row: int
    headers: list[str]  # normalized heading of each column, "" for none
    estimate: int  # rows expected below the headings (for the progress bar)
    rows: Rows  # (row number as the spreadsheet shows it, cell values)


def _is_blank(value: Any) -> bool:
    return cell_text(value) == ""


def _find_header(rows: Rows) -> tuple[int, list[str]] | None:
    """The first row, among the first few non-empty ones, with at least two
    known headings."""
    seen = 0
    for number, cells in rows:
        if all(_is_blank(value) for value in cells):
            continue
        headers = [normalize_header(value) for value in cells]
        if sum(header in BY_HEADER for header in headers) >= 2:
            return number, headers
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _no_headings() -> FileProblem:
    required = "、".join(column.header for column in COLUMNS if column.required)
    return FileProblem(
        _("No row of column headings found; the first row must name the columns: %(columns)s.")
        % {"columns": required}
    )


@contextmanager
def _xlsx_roster(fileobj) -> Iterator[Roster]:
    check_xlsx(fileobj)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        logger.info("unreadable workbook: %r", error)
        raise FileProblem(
            _("The workbook cannot be read; open it in Excel and save it again.")
        ) from None
    try:
        for sheet in workbook.worksheets:
            estimate = sheet.max_row or 0  # from the stored dimension, may be wrong
            sheet.reset_dimensions()  # so a wrong dimension does not cut rows off
            rows = enumerate(sheet.iter_rows(values_only=True), 1)
            found = _find_header(rows)
            if found is not None:
                header_row, headers = found
                yield Roster(header_row, headers, max(estimate - header_row, 0), rows)
                return
        raise _no_headings()
    finally:
        workbook.close()


@contextmanager
def _csv_roster(fileobj) -> Iterator[Roster]:
    encoding, lines = csv_encoding(fileobj)
    sample = fileobj.read(4096).decode(encoding, errors="ignore")
    fileobj.seek(0)
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    text = io.TextIOWrapper(io.BufferedReader(_RawReader(fileobj)), encoding=encoding, newline="")
    try:
        rows = enumerate((tuple(row) for row in csv.reader(text, delimiter=delimiter)), 1)
        found = _find_header(rows)
        if found is None:
            raise _no_headings()
        header_row, headers = found
        yield Roster(header_row, headers, max(lines - header_row, 0), rows)
    except csv.Error as error:
        raise FileProblem(_("The CSV file is malformed: %(error)s") % {"error": error}) from None
    finally:
        text.detach()


@contextmanager
def open_roster(job: ImportJob) -> Iterator[Roster]:
    try:
        fileobj = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise FileProblem(_("The uploaded file is no longer kept; upload it again.")) from None
    try:
        suffix = Path(job.original_name or job.file.name).suffix.lower()
        opener = _csv_roster if suffix == ".csv" else _xlsx_roster
        with opener(fileobj) as roster:
            yield roster
    finally:
        job.file.close()


# --- Checking rows --------------------------------------------------------------------


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)  # non-blank cells only
    id_number: str = ""
    id_hash: str = ""
    bad: bool = False


@dataclass
class Outcome:
    row: int
    action: str  # "create", "update", "unchanged" or "error"
    id_number: str = ""
    member: Member | None = None
    fields: dict[str, Any] = field(default_factory=dict)


class RosterCheck:
    """One pass over a roster: parse each row, look its ID-card number up,
    decide what saving it would do, and collect the errors."""

    def __init__(self, *, actor, branch: Organization, headers: list[str], header_row: int):
        self.actor = actor
        self.branch = branch
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.more_errors = 0
        self.rows = 0
        self.counts = {"create": 0, "update": 0, "unchanged": 0}
        self.seen: dict[str, int] = {}  # ID hash → first row with it
        self.index: dict[str, int] = {}
        for i, header in enumerate(headers):
            if not header:
                continue
            if header not in BY_HEADER:
                self.warn(header_row, header, _("Unknown column; ignored."))
            elif header in self.index:
                self.error(header_row, header, _("This column appears more than once."))
            else:
                self.index[header] = i
        for column in COLUMNS:
            if column.required and column.header not in self.index:
                self.error(header_row, column.header, _("This required column is missing."))
        self.columns = [column for column in COLUMNS if column.header in self.index]

    @property
    def file_ok(self) -> bool:
        return not self.errors

    def warn(self, row: int | None, column: str, message: str) -> None:
        if len(self.warnings) < MAX_ERRORS:
            self.warnings.append({"row": row, "column": column, "message": str(message)})

    def error(self, row: int | None, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": str(message)})
        else:
            self.more_errors += 1

    def sorted_errors(self) -> list[dict]:
        return sorted(self.errors, key=lambda e: (e["row"] or 0, COLUMN_ORDER.get(e["column"], -1)))

    def outcomes(self, rows: Rows) -> Iterator[Outcome]:
        batch: list[ParsedRow] = []
        for number, cells in rows:
            parsed = self._parse(number, cells)
            if parsed is None:
                continue
            batch.append(parsed)
            if len(batch) >= BATCH_SIZE:
                yield from self._resolve(batch)
                batch = []
        if batch:
            yield from self._resolve(batch)

    def _parse(self, number: int, cells: tuple) -> ParsedRow | None:
        raw = {
            column.header: cells[self.index[column.header]]
            if self.index[column.header] < len(cells)
            else None
            for column in self.columns
        }
        if all(_is_blank(value) for value in raw.values()):
            return None  # an empty row, or one with only a serial number
        self.rows += 1
        parsed = ParsedRow(number)
        for column in self.columns:
            value = raw[column.header]
            if _is_blank(value):
                if column.field == "id_number":
                    self.error(number, column.header, _("The ID-card number is required."))
                    parsed.bad = True
                continue
            try:
                result = column.parse(value)
            except CellError as problem:
                self.error(number, column.header, str(problem))
                parsed.bad = True
                continue
            if column.field == "id_number":
                parsed.id_number = result
                parsed.id_hash = idcard.keyed_hash(result)
            else:
                parsed.values[column.field] = result
        return parsed

    def _resolve(self, batch: list[ParsedRow]) -> Iterator[Outcome]:
        hashes = {row.id_hash for row in batch if row.id_hash}
        changeable = {
            member.id_number_hash: member
            for member in Member.objects.visible_to(self.actor, scoping.CHANGE).filter(
                id_number_hash__in=hashes
            )
        }
        recorded = set(
            Member.objects.filter(id_number_hash__in=hashes - changeable.keys()).values_list(
                "id_number_hash", flat=True
            )
        )
        for row in batch:
            outcome = self._decide(row, changeable.get(row.id_hash), row.id_hash in recorded)
            if outcome.action != "error":
                self.counts[outcome.action] += 1
            yield outcome

    def _decide(self, row: ParsedRow, member: Member | None, recorded: bool) -> Outcome:
        failed = Outcome(row.row, "error")
        if not row.id_hash:
            return failed
        first = self.seen.get(row.id_hash)
        if first is not None:
            self.error(
                row.row,
                ID_COLUMN,
                _("The same ID-card number is already on row %(row)d.") % {"row": first},
            )
            return failed
        self.seen[row.id_hash] = row.row
        if row.bad:
            return failed
        if member is None and recorded:
            self.error(row.row, ID_COLUMN, recorded_elsewhere())
            return failed
        if member is None:
            return self._new(row)
        return self._update(row, member)

    def _new(self, row: ParsedRow) -> Outcome:
        values = dict(row.values)
        missing = [name for name in NEEDED_FOR_NEW if name not in values]
        for name in missing:
            self.error(row.row, HEADER_OF[name], _("Needed for a new member."))
        values.setdefault("gender", idcard.gender(row.id_number))
        values.setdefault("birth_date", idcard.birth_date(row.id_number))
        values.setdefault("ethnicity", DEFAULT_ETHNICITY)
        values.setdefault("leadership_level", LeadershipLevel.NONE)
        if missing or not self._consistent(row.row, values, given=row.values):
            return Outcome(row.row, "error")
        return Outcome(row.row, "create", id_number=row.id_number, fields=values)

    def _update(self, row: ParsedRow, member: Member) -> Outcome:
        if (
            row.values.get("status") == MemberStatus.PROBATIONARY
            and member.status == MemberStatus.FULL
        ):
            self.error(
                row.row,
                HEADER_OF["status"],
                _("A full member cannot become probationary again by an import."),
            )
            return Outcome(row.row, "error")
        merged = {name: getattr(member, name) for name in services.MEMBER_FIELDS} | row.values
        if not self._consistent(row.row, merged, given=row.values):
            return Outcome(row.row, "error")
        changes = {
            name: value for name, value in row.values.items() if getattr(member, name) != value
        }
        action = "update" if changes else "unchanged"
        if member.branch_id != self.branch.pk:
            self.warn(
                row.row,
                ID_COLUMN,
                _("This member belongs to another branch and stays there; a move is a transfer."),
            )
        return Outcome(row.row, action, member=member, fields=changes)

    def _consistent(self, number: int, values: dict, *, given: dict) -> bool:
        """Rules across cells (the database refuses the first one too)."""
        ok = True
        born, joined, full_since = (
            values.get("birth_date"),
            values.get("joined_on"),
            values.get("full_since"),
        )
        if born and joined and joined <= born:
            self.error(
                number,
                HEADER_OF["joined_on"],
                _("The day of admission must come after the date of birth."),
            )
            ok = False
        status = values.get("status")
        if status == MemberStatus.FULL and not full_since:
            self.error(
                number, HEADER_OF["full_since"], _("Give the day the member became a full member.")
            )
            ok = False
        elif status == MemberStatus.PROBATIONARY and given.get("full_since"):
            self.error(
                number,
                HEADER_OF["full_since"],
                _("A probationary member has no day of becoming a full member; leave it empty."),
            )
            ok = False
        elif status == MemberStatus.FULL and joined and full_since <= joined:
            self.error(
                number,
                HEADER_OF["full_since"],
                _("The day of becoming a full member must come after the day of admission."),
            )
            ok = False
        return ok


def recorded_elsewhere() -> str:
    # Deliberately does not say where: ids and organisations leak nothing.
    return _(
        "A member with this ID-card number is already recorded in an organisation whose "
        "members you may not change; ask the organisation department about a transfer."
    )


# --- Progress ---------------------------------------------------------------------------


class Progress:
    """Commits total_rows and processed_rows in small transactions of their
    own, at most every PROGRESS_EVERY_SECONDS, so a page can poll.

    While the rows are saved, the work runs in one long transaction; progress
    is then written through a second database connection (`separate`), since
    writes on the main one stay invisible until the end.
    """

    SQL = "UPDATE members_importjob SET total_rows = %s, processed_rows = %s WHERE id = %s"

    def __init__(self, job_id: int, total: int, *, separate: bool = False):
        self.job_id = job_id
        self.total = total
        self.done = 0
        self._last = 0.0
        self._side = _side_connection() if separate else None

    def tick(self, done: int, *, force: bool = False) -> None:
        self.done = done
        self.total = max(self.total, done)
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_EVERY_SECONDS:
            self._last = now
            self._write()

    def _write(self) -> None:
        if self._side is None:
            ImportJob.objects.filter(pk=self.job_id).update(
                total_rows=self.total, processed_rows=self.done
            )
            return
        try:
            with self._side.cursor() as cursor:
                cursor.execute(self.SQL, [self.total, self.done, self.job_id])
        except Exception:  # progress is a nicety: never let it stop the import
            logger.warning("member import %s: progress not written", self.job_id, exc_info=True)
            self.close()

    def mark_saving(self) -> None:
        """Tell the page that the rows are now being saved (progress from 0 again)."""
        if self._side is None:
            return
        try:
            with self._side.cursor() as cursor:
                cursor.execute(
                    "UPDATE members_importjob SET processed_rows = 0, report = %s WHERE id = %s",
                    ['{"phase": "saving"}', self.job_id],
                )
        except Exception:
            logger.warning("member import %s: progress not written", self.job_id, exc_info=True)
            self.close()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _side_connection():
    """A second connection to the same database, autocommitting; None when the
    caller already runs in a transaction (then nobody could see progress anyway)."""
    if connection.in_atomic_block:
        return None
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    if side.settings_dict.get("NAME") != connection.settings_dict.get("NAME"):
        side.close()
        return None
    return side


# --- The job ----------------------------------------------------------------------------


def branch_problem(branch: Organization) -> str | None:
    if branch.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
        return _("Members are imported into a party branch, not into %(org)s.") % {"org": branch}
    if branch.dissolved is not None:
        return _("%(org)s is dissolved.") % {"org": branch}
    return None


@contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    """A session advisory lock: one worker at a time on a job."""
    key = f"member-import:{job_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def check_and_import(job_id: int, *, language: str | None = None) -> str:
    """Check the job's file and, unless it is a preview, save it. Returns the
    final status. Safe to run twice: a job that is neither queued nor running
    (left running by a worker that died) is skipped, and so is a job another
    worker is on right now."""
    with _job_lock(job_id) as acquired:
        if not acquired:
            return "busy"
        job = ImportJob.objects.select_related("branch", "created_by").filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return job.status
        with translation.override(language) if language else nullcontext():
            return _run(job)


def _finish(
    job: ImportJob, status: str, report: dict, *, total: int, delete_file: bool = True
) -> str:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        report=report,
        total_rows=total,
        processed_rows=total,
        finished_at=timezone.now(),
    )
    if delete_file:
        _delete_file(job)
    return status


def _delete_file(job: ImportJob) -> None:
    """The file holds ID-card numbers in clear: keep it only while a preview
    may still be confirmed (see also purge_files)."""
    if not job.file:
        return
    name = job.file.name
    try:
        job.file.storage.delete(name)
    except OSError:
        logger.warning("member import %s: file not deleted", job.pk, exc_info=True)
        return
    # Every job of that file (a preview and its confirmation) now has none.
    ImportJob.objects.filter(file=name).update(file="")


FINISHED = (ImportStatus.CHECKED, ImportStatus.FAILED, ImportStatus.DONE)


def purge_files(*, older_than) -> int:
    """Delete the files of jobs finished before `older_than` (a preview not
    confirmed by then must be uploaded again). Returns how many were deleted;
    a second run deletes nothing."""
    in_use = ImportJob.objects.exclude(status__in=FINISHED).exclude(file="").values("file")
    stale = (
        ImportJob.objects.filter(status__in=FINISHED, created_at__lt=older_than)
        .exclude(file="")
        .exclude(file__in=in_use)
        .order_by("pk")
    )
    deleted = 0
    for job in stale.iterator(chunk_size=500):
        if job.file.storage.exists(job.file.name):
            deleted += 1
        _delete_file(job)
    return deleted


def _report(check: RosterCheck | None, *, errors=None, counts=None) -> dict:
    """The job's report; counts are those of a preview or of the saved rows
    (none when nothing was saved)."""
    if counts is None:
        counts = check.counts if check else {}
    report = {
        "errors": errors if errors is not None else (check.sorted_errors() if check else []),
        "warnings": check.warnings if check else [],
        "created": counts.get("create", 0),
        "updated": counts.get("update", 0),
        "unchanged": counts.get("unchanged", 0),
        "rows": check.rows if check else 0,
    }
    if check and check.more_errors:
        report["more_errors"] = check.more_errors
    return report


def _file_failure(job: ImportJob, message: str) -> str:
    report = _report(None, errors=[{"row": None, "column": "", "message": str(message)}])
    return _finish(job, ImportStatus.FAILED, report, total=0)


def _run(job: ImportJob) -> str:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, total_rows=0, processed_rows=0, report={}, finished_at=None
    )
    actor = job.created_by
    problem = branch_problem(job.branch)
    if problem is None and not scoping.can(actor, scoping.CHANGE, job.branch):
        problem = _("You may no longer change the members of %(org)s.") % {"org": job.branch}
    if problem:
        return _file_failure(job, problem)
    try:
        with open_roster(job) as roster:
            check = RosterCheck(
                actor=actor, branch=job.branch, headers=roster.headers, header_row=roster.header_row
            )
            if not check.file_ok:
                return _finish(job, ImportStatus.FAILED, _report(check, counts={}), total=0)
            progress = Progress(job.pk, roster.estimate)
            progress.tick(0, force=True)
            for _outcome in check.outcomes(roster.rows):
                if check.rows > MAX_ROWS:
                    raise FileProblem(
                        _("The file has more than %(n)d member rows; split it into several files.")
                        % {"n": MAX_ROWS}
                    )
                progress.tick(check.rows)
            progress.tick(check.rows, force=True)
        total = check.rows
        if check.errors:
            return _finish(job, ImportStatus.FAILED, _report(check, counts={}), total=total)
        if total == 0:
            return _file_failure(job, _("The file has no member rows."))
        if job.dry_run:
            return _finish(
                job, ImportStatus.CHECKED, _report(check), total=total, delete_file=False
            )
        return _save(job, check)
    except FileProblem as problem:
        return _file_failure(job, str(problem))
    except Exception:
        logger.exception("member import %s failed", job.pk)
        return _file_failure(
            job, _("The import stopped on an unexpected error; nothing was saved.")
        )


class _Rollback(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("rollback")
        self.errors = errors


def _service_errors(row: int, error: ValidationError) -> list[dict]:
    errors = []
    for name, messages in (
        error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
    ):
        if name.startswith("id_number"):
            # The service names the branch of a duplicate: say nothing of where.
            messages = [recorded_elsewhere()]
        for message in messages:
            errors.append({"row": row, "column": HEADER_OF.get(name, ""), "message": message})
    return errors


def _save(job: ImportJob, checked: RosterCheck) -> str:
    actor = job.created_by
    total = checked.rows
    progress = Progress(job.pk, total, separate=True)
    try:
        progress.mark_saving()
        with transaction.atomic(), open_roster(job) as roster:
            check = RosterCheck(
                actor=actor, branch=job.branch, headers=roster.headers, header_row=roster.header_row
            )
            for done, outcome in enumerate(check.outcomes(roster.rows), 1):
                if check.errors:  # the records changed since the check
                    raise _Rollback(check.sorted_errors())
                _apply(job, actor, outcome)
                progress.tick(done)
            if check.errors:
                raise _Rollback(check.sorted_errors())
            # Members and status are committed together: never saved but not DONE.
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE,
                report=_report(check),
                total_rows=check.rows,
                processed_rows=check.rows,
                finished_at=timezone.now(),
            )
    except _Rollback as rollback:
        report = _report(checked, errors=rollback.errors, counts={})
        return _finish(job, ImportStatus.FAILED, report, total=total)
    finally:
        progress.close()
    _delete_file(job)
    return ImportStatus.DONE


def _apply(job: ImportJob, actor, outcome: Outcome) -> None:
    try:
        if outcome.action == "create":
            services.member_create(
                actor=actor, branch=job.branch, id_number=outcome.id_number, **outcome.fields
            )
        elif outcome.action == "update":
            services.member_update(actor=actor, member=outcome.member, **outcome.fields)
    except ValidationError as error:
        raise _Rollback(_service_errors(outcome.row, error)) from None
    except IntegrityError:  # another import recorded the same number meanwhile
        raise _Rollback(
            [{"row": outcome.row, "column": ID_COLUMN, "message": recorded_elsewhere()}]
        ) from None
    except (PermissionDenied, Http404):
        raise _Rollback(
            [
                {
                    "row": outcome.row,
                    "column": ID_COLUMN,
                    "message": _("You may not change this member."),
                }
            ]
        ) from None
