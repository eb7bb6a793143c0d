"""The sections of the benchmark, numbered as in issue 9. Each adds rows to
the report; what a section writes is rolled back (or kept only when it is
derived data, like the reconciled roll-ups)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from branches.models import ExportRecord, Organization, OrgKind, OrgLevel, RoleAssignment, User
from members.models import Member

from . import sql
from .measure import (
    Report,
    clock,
    current_mb,
    median,
    one_core,
    peak_mb,
    percentile,
    reset_peak,
    rolled_back,
)


@dataclass
class Context:
    province: Organization
    year: int
    user: User  # a user whose role reaches the whole province
    report: Report
    log: object  # callable(str): progress on stderr


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.0f}×" if fast > 0 else "—"


class BenchClient(Client):
    """The test client, logging in with a loopback address: the login audit
    (django-axes) records the client's address, which force_login leaves out."""

    def _login(self, user, backend=None):
        from importlib import import_module

        from django.conf import settings
        from django.contrib.auth import login
        from django.http import HttpRequest

        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        request.session = self.session or import_module(settings.SESSION_ENGINE).SessionStore()
        login(request, user, backend)
        request.session.save()
        self._set_login_cookies(request)


def _client(user: User) -> Client:
    client = BenchClient()
    client.force_login(user)
    return client


def _get(client: Client, url: str):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    # A streamed page is measured to its last byte.
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass
    return response


def _timed_requests(client: Client, url: str, count: int) -> tuple[float, list[float]]:
    """The first (cold) request, then `count` timed ones."""
    with clock() as cold:
        _get(client, url)
    times = []
    for _ in range(count):
        with clock() as watch:
            _get(client, url)
        times.append(watch.seconds)
    return cold.seconds, times


# --- 1. Dashboards ------------------------------------------------------------------------


def sample_orgs(province: Organization) -> list[Organization]:
    """The province root, its first city and that city's first county."""
    orgs = [province]
    city = (
        Organization.objects.filter(parent=province, level=OrgLevel.CITY).order_by("code").first()
    )
    if city is not None:
        orgs.append(city)
        county = (
            Organization.objects.filter(parent=city, level=OrgLevel.COUNTY).order_by("code").first()
        )
        if county is not None:
            orgs.append(county)
    return orgs


def _rollups():
    try:
        from dashboards import rollups
    except ImportError:
        return None
    return rollups


def reconcile(ctx: Context) -> None:
    """Recount the province-year's roll-ups (kept: derived data)."""
    rollups = _rollups()
    if rollups is None:
        return
    ctx.log("1: reconciling the roll-ups")
    with clock() as watch:
        outcome = rollups.reconcile(ctx.province.pk, ctx.year)
    ctx.report.add(
        "1", f"reconcile roll-ups {ctx.province.code} {ctx.year}", _s(watch.seconds), note(outcome)
    )


def dashboards(ctx: Context, *, requests: int) -> None:
    report = ctx.report
    try:
        reverse("dashboards:org", args=[ctx.province.pk])
    except NoReverseMatch:
        report.add("1", "dashboard", "skipped: the dashboards are not installed")
        return
    client = _client(ctx.user)
    for org in sample_orgs(ctx.province):
        url = reverse("dashboards:org", args=[org.pk]) + f"?year={ctx.year}"
        ctx.log(f"1: dashboard of {org.name}, {requests} requests")
        cold, times = _timed_requests(client, url, requests)
        with clock() as raw:
            rows = sql.compliance_by_child(org.pk, ctx.year)
        p95 = percentile(times, 0.95)
        report.add(
            "1",
            f"dashboard {org.name} ({org.get_level_display()}): median / p95 (first)",
            f"{_ms(median(times))} / {_ms(p95)} ({_ms(cold)})",
            f"raw SQL {_s(raw.seconds)}, {len(rows)} children, {sum(r[1] for r in rows)} members",
            _ratio(raw.seconds, median(times)),
            "≥100×" + (", p95 < 100 ms" if org.pk == ctx.province.pk else ""),
            verdict(
                raw.seconds / median(times) >= 100 and (org.pk != ctx.province.pk or p95 < 0.1)
            ),
        )


def note(outcome) -> str:
    parts = []
    for name in ("rows", "fixed"):
        value = getattr(outcome, name, None)
        if value is not None:
            parts.append(f"{name} {value}")
    return ", ".join(parts)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --- 2. "My hours" ------------------------------------------------------------------------


def my_hours(ctx: Context, *, requests: int) -> None:
    """A member of the province with a login made for the run (rolled back)."""
    report = ctx.report
    url = reverse("education:mine") + f"?year={ctx.year}"
    with rolled_back():
        members = list(
            Member.objects.filter(
                province=ctx.province, left_on__isnull=True, user__isnull=True
            ).order_by("pk")[:1]
        )
        if not members:
            report.add("2", "my hours", "skipped: no member in the province")
            return
        counts = []
        for member in members + _busier_member(ctx, members[0]):
            user = User.objects.create(username=f"bench-member-{member.pk}", name=member.name)
            Member.objects.filter(pk=member.pk).update(user=user)
            RoleAssignment.objects.create(
                user=user, role="member", organization=member.branch, valid_from=date(2000, 1, 1)
            )
            client = _client(user)
            _get(client, url)
            with CaptureQueriesContext(connection) as queries:
                _get(client, url)
            rows = member.attendances.filter(activity__starts_at__year=ctx.year).count()
            counts.append((rows, len(queries)))
            if len(counts) == 1:
                ctx.log(f"2: my hours, {requests} requests")
                cold, times = _timed_requests(client, url, requests)
                report.add(
                    "2",
                    "my hours: median / p95 (first)",
                    f"{_ms(median(times))} / {_ms(percentile(times, 0.95))} ({_ms(cold)})",
                    target="< 30 ms",
                    verdict=verdict(median(times) < 0.03),
                )
        constant = len({q for _rows, q in counts}) == 1
        report.add(
            "2",
            "my hours: queries per page",
            " / ".join(f"{q} ({rows} attendance rows)" for rows, q in counts),
            target="constant",
            verdict=verdict(constant),
        )


def _busier_member(ctx: Context, member: Member) -> list[Member]:
    """The same member's branch-mate with ten more activities this year (added
    inside the rolled-back transaction): the query count must not change."""
    from education.models import Activity, Attendance

    other = (
        Member.objects.filter(branch=member.branch, left_on__isnull=True, user__isnull=True)
        .exclude(pk=member.pk)
        .order_by("pk")
        .first()
    )
    if other is None:
        return []
    from education.demo_province import activity_span

    start, _end = activity_span(ctx.year)
    for n in range(10):
        activity = Activity.objects.create(
            organization=member.branch,
            province_id=member.branch.province_id,
            kind="group",
            title=f"bench {n}",
            starts_at=start + timedelta(days=20 + n),
            hours=2,
            created_by=ctx.user,
        )
        Attendance.objects.create(
            activity=activity,
            member=other,
            status="present",
            credited_hours=2,
            recorded_by=ctx.user,
        )
    return [other]


# --- 3. The yearly close ------------------------------------------------------------------


def year_close(ctx: Context) -> None:
    from education import services
    from education.models import YearClosure

    report = ctx.report
    ctx.log(f"3: yearly close of {ctx.year} (rolled back)")
    with rolled_back():
        YearClosure.objects.filter(organization=ctx.province, year=ctx.year).delete()
        with clock() as close:
            closure = services.year_close(actor=None, province=ctx.province, year=ctx.year)
        members, short = closure.members, closure.short
    ctx.log("3: the same in one SQL statement (rolled back)")
    with rolled_back(), clock() as raw:
        sql_members, sql_short = sql.year_close(ctx.province.pk, ctx.year)
    same = (members, short) == (sql_members, sql_short)
    report.add(
        "3",
        f"yearly close {ctx.year}: {members} members, {short} short",
        _s(close.seconds),
        f"one SQL statement {_s(raw.seconds)}"
        + ("" if same else f" (it counts {sql_members} members, {sql_short} short)"),
        f"{close.seconds / raw.seconds:.2f}×" if raw.seconds else "—",
        "≤ 1.5×",
        verdict(close.seconds <= 1.5 * raw.seconds),
    )


# --- 4. Certificate PDFs ------------------------------------------------------------------


def certificate_pdfs(ctx: Context, *, count: int) -> None:
    from django.conf import settings
    from django.utils import translation

    from config.pdf import render_pdf
    from mobility import certificate_pdf
    from mobility.models import Certificate

    report = ctx.report
    certificate = (
        Certificate.objects.exclude(verification_code="").order_by("-pk").first() if count else None
    )
    if certificate is None:
        report.add("4", "certificate PDFs", "skipped: no certificate with a number")
        return
    ctx.log(f"4: {count} certificate PDFs on one core")
    with translation.override(settings.LANGUAGE_CODE), one_core():
        certificate = certificate_pdf._load(certificate.pk)
        data = certificate_pdf.certificate_data(certificate)
        context = {"c": data, "qr": certificate_pdf.qr_data_uri(data["verify_url"])}
        render_pdf(certificate_pdf.TEMPLATE, context, extra_css=certificate_pdf.PDF_CSS)  # warm
        size = 0
        with clock() as watch:
            for _ in range(count):
                size = len(
                    render_pdf(certificate_pdf.TEMPLATE, context, extra_css=certificate_pdf.PDF_CSS)
                )
    report.add(
        "4",
        f"certificate PDFs on one core ({count}, {size // 1024} KB each)",
        f"{count / watch.seconds:.1f} /s",
        f"{_ms(watch.seconds / count)} each",
    )


# --- 5. Member import ---------------------------------------------------------------------


def _import_rows(count: int):
    """`count` new members with numbers no demo member has (area 379901)."""
    from members import idcard

    start = date(1960, 1, 1)
    for i in range(count):
        born = start + timedelta(days=i // 500)
        male = i % 2 == 0
        seq = (i % 500) * 2 + (1 if male else 0)
        first17 = f"379901{born:%Y%m%d}{seq:03d}"
        number = first17 + idcard.check_char(first17)
        joined = born + timedelta(days=365 * 25)
        yield number, male, born, joined


def _xlsx(count: int) -> bytes:
    from openpyxl import Workbook

    from members.imports import HEADERS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    sheet.append(list(HEADERS))
    for i, (number, male, born, joined) in enumerate(_import_rows(count)):
        sheet.append(
            [
                f"测试{i:06d}",
                "男" if male else "女",
                "汉族",
                born,
                "大学本科",
                number,
                f"139{i:08d}",
                joined,
                "正式党员",
                joined + timedelta(days=366),
                "国有企业",
                None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member_import(ctx: Context, *, rows: int) -> None:
    from django.core.files.base import ContentFile

    from members import imports
    from members.models import ImportJob, ImportStatus

    report = ctx.report
    branch = (
        Organization.objects.filter(province=ctx.province, kind=OrgKind.BRANCH)
        .order_by("code")
        .first()
    )
    if branch is None or not rows:
        report.add("5", "member import", "skipped: no branch")
        return
    ctx.log(f"5: writing an .xlsx of {rows} member rows")
    content = _xlsx(rows)
    ctx.log(f"5: importing {rows} rows (rolled back)")
    limit = imports.MAX_ROWS
    imports.MAX_ROWS = max(limit, rows)
    job = None
    try:
        with rolled_back():
            job = ImportJob(
                branch=branch, original_name="bench.xlsx", dry_run=False, created_by=ctx.user
            )
            job.file.save("bench.xlsx", ContentFile(content), save=False)
            job.save()
            with clock() as watch:
                status = imports.check_and_import(job.pk)
            job.refresh_from_db()
            created = job.report.get("created", 0)
            if status != ImportStatus.DONE:
                raise RuntimeError(f"the import ended {status}: {job.report.get('errors', [])[:3]}")
    finally:
        imports.MAX_ROWS = limit
        if job is not None and job.file and job.file.storage.exists(job.file.name):
            job.file.storage.delete(job.file.name)
    ctx.log(f"5: COPY of the same {rows} rows (rolled back)")
    with rolled_back(), clock() as copy:
        copied = _copy_members(branch, rows)
    report.add(
        "5",
        f"import .xlsx, {created} members created",
        f"{created / watch.seconds:.0f} rows/s ({_s(watch.seconds)})",
        f"COPY {copied / copy.seconds:.0f} rows/s ({_s(copy.seconds)})",
        f"{watch.seconds / copy.seconds:.0f}× slower",
    )


def _copy_members(branch: Organization, count: int) -> int:
    """The same rows straight into members_member with COPY (ID numbers
    encrypted and hashed here too; the audit trigger fires as for the import)."""
    from django.utils import timezone

    from members import idcard

    now = timezone.now()
    columns = (
        "name, gender, birth_date, ethnicity, education, phone, id_number_encrypted,"
        " id_number_hash, id_number_masked, joined_on, status, full_since, branch_id,"
        " province_id, employer_sector, leadership_level, left_reason, created_at, updated_at"
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY members_member ({columns}) FROM STDIN") as copy,
    ):
        for i, (number, male, born, joined) in enumerate(_import_rows(count)):
            copy.write_row(
                (
                    f"测试{i:06d}",
                    "male" if male else "female",
                    born,
                    "汉族",
                    "bachelor",
                    f"139{i:08d}",
                    idcard.encrypt(number),
                    idcard.keyed_hash(number),
                    idcard.mask(number),
                    joined,
                    "full",
                    joined + timedelta(days=366),
                    branch.pk,
                    branch.province_id,
                    "state_enterprise",
                    "",
                    "",
                    now,
                    now,
                )
            )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return count


# --- 6. Export ----------------------------------------------------------------------------


def export(ctx: Context, *, rows: int) -> None:
    """An .xlsx export of `rows` members of the province, as a list page would
    (config/exports.xlsx_response), streamed to the end."""
    from django.test import RequestFactory

    from config.exports import xlsx_response

    report = ctx.report
    queryset = (
        Member.objects.filter(province=ctx.province).select_related("branch").order_by("pk")[:rows]
    )
    columns = [
        ("姓名", "name"),
        ("性别", "get_gender_display"),
        ("出生日期", "birth_date"),
        ("学历", "get_education_display"),
        ("身份证号码", "id_number_masked"),
        ("入党日期", "joined_on"),
        ("党员状态", "get_status_display"),
        ("所在支部", "branch.name"),
    ]
    request = RequestFactory().get("/members/?format=xlsx")
    request.user = ctx.user
    ctx.log(f"6: exporting up to {rows} members to .xlsx")
    size = 0
    reset_peak()
    baseline = current_mb()
    with rolled_back():
        with clock() as watch:
            response = xlsx_response(
                request, rows=queryset, columns=columns, filename="bench", what="bench"
            )
            for chunk in response.streaming_content:
                size += len(chunk)
            # Not response.close(): its request_finished signal would close the
            # database connection of this (open) transaction.
            response.file_to_stream.close()
        written = ExportRecord.objects.filter(what="bench").order_by("-pk").first()
    count = written.row_count if written else rows
    peak = peak_mb()
    report.add(
        "6",
        f"export .xlsx of {count} members ({size / 2**20:.0f} MB, {_s(watch.seconds)}):"
        " peak memory",
        f"{peak:.0f} MB",
        f"{baseline:.0f} MB before",
        target="< 500 MB",
        verdict=verdict(peak < 500),
    )
