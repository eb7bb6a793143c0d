"""Education demo data of the province-scale tree (`seed_demo --scale province`):
ten activities a year in every branch, one attendance row per member and
activity (about 10^7 rows for 10^6 members) and the YearlyTotal rows that
match them, all written with COPY.

Idempotent: a province that already has activities in a year is left alone
for that year. The audit triggers (and, as a superuser, the deferred
foreign-key checks) are skipped for this bulk load: demo data, not user
writes, and every id written comes from the database a moment before.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime
from decimal import Decimal

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from branches.models import Organization, OrgKind, User

from .models import Activity, ActivityKind, Attendance

# kind, title, month, hours: 96 hours for a member present every time, the
# requirement of the cadre sectors (12 days of 8 hours); others need 48.
PLAN = (
    (ActivityKind.BRANCH_ASSEMBLY, "支部党员大会：传达学习上级会议精神", 1, "4"),
    (ActivityKind.LECTURE, "书记讲党课：牢记宗旨 服务群众", 3, "4"),
    (ActivityKind.GROUP, "党小组会：学习党章", 4, "4"),
    (ActivityKind.READING, "读书活动：学习党史", 5, "8"),
    (ActivityKind.SEMINAR, "专题研讨：为民服务解难题", 6, "8"),
    (ActivityKind.PRACTICE, "主题实践活动：走访困难群众", 7, "8"),
    (ActivityKind.REPORT, "形势政策报告会", 9, "12"),
    (ActivityKind.TRAINING, "党员集中轮训（一）", 10, "16"),
    (ActivityKind.TRAINING, "党员集中轮训（二）", 11, "16"),
    (ActivityKind.ORG_LIFE, "专题组织生活会", 12, "16"),
)
EXCUSES = ("因公出差", "生病住院", "外出务工", "家中有事")
# (share of members, chance to be present at each activity)
HABITS = ((0.70, 0.97), (0.20, 0.85), (0.10, 0.55))
CHUNK = 20_000  # COPY lines sent at a time
ANALYZED = (
    "branches_organization",
    "members_member",
    "education_activity",
    "education_attendance",
    "education_yearlytotal",
)


def ensure_province_education(
    seed: int,
    province_code: str = "SD",
    years: tuple[int, ...] | None = None,
    actor: User | None = None,
    log=None,
) -> int:
    """Activities, attendance and yearly totals of `years` (default: last
    year) for every branch and member of the province, recorded by `actor`
    (default: sd_org). Returns how many attendance rows were written."""
    province = Organization.objects.filter(code=province_code).first()
    actor = (
        actor
        or User.objects.filter(username="sd_org").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    if province is None or actor is None:
        return 0
    years = years or (timezone.localdate().year - 1,)
    total = 0
    for year in years:
        if Activity.objects.filter(province=province, starts_at__year=year).exists():
            continue
        started = time.monotonic()
        total += _load_year(random.Random(seed + year), province, actor, year)  # noqa: S311
        if log:
            log(
                f"education {province_code} {year}: {total} attendance rows in "
                f"{time.monotonic() - started:.0f} s"
            )
    return total


def _audit_triggers(cursor, action: str) -> None:
    for model in (Activity, Attendance):
        for registered, trigger in pgtrigger.registered(f"{model._meta.label}:insert_insert"):
            name = trigger.get_pgid(registered)
            cursor.execute(f'ALTER TABLE {registered._meta.db_table} {action} TRIGGER "{name}"')


def _bulk_mode(cursor) -> None:
    """Skip the audit triggers for this transaction; as a superuser every
    trigger, the foreign-key checks included (they would queue 3·10^7 events)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")
    else:
        _audit_triggers(cursor, "DISABLE")


def _restore(cursor) -> None:
    cursor.execute("SELECT current_setting('session_replication_role')")
    if cursor.fetchone()[0] == "replica":
        cursor.execute("SET LOCAL session_replication_role = origin")
    else:
        _audit_triggers(cursor, "ENABLE")


def _load_year(rng: random.Random, province: Organization, actor: User, year: int) -> int:
    tz = timezone.get_current_timezone()
    now = timezone.now().isoformat()
    branches = list(
        Organization.objects.filter(
            province=province, kind__in=(OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _bulk_mode(cursor)
        columns = (
            "organization_id, province_id, kind, title, starts_at, hours, place, lecturer,"
            " content, minutes, created_by_id, created_at"
        )
        with cursor.cursor.copy(f"COPY education_activity ({columns}) FROM STDIN") as copy:
            for branch_id in branches:
                for kind, title, month, hours in PLAN:
                    starts = datetime(
                        year, month, rng.randint(1, 28), rng.choice((9, 14, 19)), tzinfo=tz
                    )
                    copy.write_row(
                        (
                            branch_id,
                            province.pk,
                            kind,
                            title,
                            starts,
                            Decimal(hours),
                            "党员活动室",
                            "支部书记" if kind == ActivityKind.LECTURE else "",
                            "",
                            "",
                            actor.pk,
                            now,
                        )
                    )
        activities: dict[int, list[tuple[int, str]]] = {}
        cursor.execute(
            "SELECT id, organization_id, hours FROM education_activity"
            " WHERE province_id = %s AND starts_at >= %s AND starts_at < %s ORDER BY id",
            [province.pk, datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)],
        )
        for activity_id, branch_id, hours in cursor.fetchall():
            activities.setdefault(branch_id, []).append((activity_id, str(hours)))
        rows = _copy_attendance(cursor, rng, province, activities, actor.pk, year, now)
        _restore(cursor)
    # Fresh statistics, or the planner takes the province for a few rows.
    with connection.cursor() as cursor:
        for table in ANALYZED:
            cursor.execute(f"ANALYZE {table}")
    return rows


def _copy_attendance(cursor, rng, province, activities, actor_id, year, now) -> int:
    """One row per member and activity of the member's branch, and the
    member's yearly total from the same draws."""
    year_end = date(year, 12, 31)
    cursor.execute(
        "SELECT id, branch_id, birth_date < %s FROM members_member"
        " WHERE province_id = %s AND joined_on <= %s AND (left_on IS NULL OR left_on > %s)"
        " ORDER BY branch_id, id",
        [date(1950, 1, 1), province.pk, year_end, year_end],
    )
    members = cursor.fetchall()
    rnd = rng.random
    habits = [(share, chance) for share, chance in HABITS]
    totals: list[str] = []
    lines: list[str] = []
    rows = 0
    with cursor.cursor.copy(
        "COPY education_attendance (activity_id, member_id, status, reason, credited_hours,"
        " recorded_by_id) FROM STDIN"
    ) as copy:
        for member_id, branch_id, aged in members:
            pick, chance = rnd(), habits[-1][1]
            for share, habit in habits:
                if pick < share:
                    chance = habit
                    break
                pick -= share
            hours = Decimal(0)
            attended = absences = 0
            for activity_id, activity_hours in activities.get(branch_id, ()):
                r = rnd()
                if r < chance:
                    lines.append(
                        f"{activity_id}\t{member_id}\tpresent\t\t{activity_hours}\t{actor_id}\n"
                    )
                    hours += Decimal(activity_hours)
                    attended += 1
                elif aged:
                    lines.append(
                        f"{activity_id}\t{member_id}\tdelivered\t\t{activity_hours}\t{actor_id}\n"
                    )
                    hours += Decimal(activity_hours)
                    attended += 1
                elif r < chance + (1 - chance) * 0.6:
                    excuse = EXCUSES[int(r * 1000) % len(EXCUSES)]
                    lines.append(f"{activity_id}\t{member_id}\texcused\t{excuse}\t0\t{actor_id}\n")
                else:
                    lines.append(f"{activity_id}\t{member_id}\tabsent\t\t0\t{actor_id}\n")
                    absences += 1
                rows += 1
            totals.append(f"{member_id}\t{year}\t{hours}\t{attended}\t{absences}\t0\t{now}\n")
            if len(lines) >= CHUNK:
                copy.write("".join(lines))
                lines.clear()
        copy.write("".join(lines))
    with cursor.cursor.copy(
        "COPY education_yearlytotal (member_id, year, hours, activities, absences,"
        " self_study_hours, updated_at) FROM STDIN"
    ) as copy:
        for start in range(0, len(totals), CHUNK):
            copy.write("".join(totals[start : start + CHUNK]))
    return rows


def activity_span(year: int) -> tuple[datetime, datetime]:
    """The local start of `year` and of the next one."""
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
