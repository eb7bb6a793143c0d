"""Demo education records: three months of 三会一课 in the branches of one
township of 西湖区 and one of 阆中市, entered through the services.

Idempotent: a branch with activities in the period is left alone."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import Organization, OrgKind, User
from members.models import Member

from . import services
from .models import Activity, AttendanceStatus
from .selectors import roster_q

PLAN = [
    ("branch_assembly", "支部党员大会：传达学习上级会议精神", "2"),
    ("committee", "支委会：研究本月工作安排", "1.5"),
    ("group", "党小组会：学习党章第一章", "1.5"),
    ("lecture", "书记讲党课：牢记宗旨 服务群众", "3"),
    ("training", "党员冬训集中培训", "8"),
    ("org_life", "专题组织生活会", "4"),
]


def ensure_activities(seed: int, actor: User, months: int = 3) -> int:
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    now = timezone.localtime()
    start = now - timedelta(days=30 * months)
    created = 0
    branches = Organization.objects.filter(kind=OrgKind.BRANCH, dissolved__isnull=True).filter(
        code__regex=r"^(ZJ-HZ-XH|SC-NC-LZ)-T1-"
    )
    for branch in branches.order_by("code"):
        if Activity.objects.filter(organization=branch, starts_at__gte=start).exists():
            continue
        for month in range(months):
            for kind, title, hours in PLAN[: rng.randint(3, len(PLAN))]:
                day = start + timedelta(days=30 * month + rng.randint(0, 25))
                activity = services.activity_create(
                    actor=actor,
                    organization=branch,
                    kind=kind,
                    title=title,
                    lecturer="支部书记" if kind == "lecture" else "",
                    starts_at=day.replace(hour=19, minute=0, second=0, microsecond=0)
                    if isinstance(day, datetime)
                    else day,
                    hours=Decimal(hours),
                    place="党员活动室",
                )
                exceptions = {}
                members = Member.objects.filter(
                    roster_q(branch, timezone.localtime(activity.starts_at).date())
                ).values_list("pk", flat=True)
                for member_id in members.order_by("pk"):
                    roll = rng.random()
                    if roll < 0.06:
                        exceptions[member_id] = {
                            "status": AttendanceStatus.EXCUSED,
                            "reason": "外出务工",
                        }
                    elif roll < 0.09:
                        exceptions[member_id] = {"status": AttendanceStatus.ABSENT}
                services.attendance_save(actor=actor, activity=activity, exceptions=exceptions)
                created += 1
    return created


def ensure_absence_criticism(actor: User) -> int:
    """Serious criticism for the member with the most unexcused absences in each
    demo township branch that has one (document 1, 四). Idempotent."""
    from branches.policies import policy_in_force
    from members.models import Handling, HandlingStage

    from .models import YearlyTotal

    today = timezone.localdate()
    done = 0
    branches = Organization.objects.filter(kind=OrgKind.BRANCH, code__regex=r"^ZJ-HZ-XH-T1-")
    for branch in branches.order_by("code")[:4]:
        threshold = policy_in_force(branch, "unexcused_absences_repeated")
        worst = (
            YearlyTotal.objects.filter(
                member__branch=branch, year=today.year, absences__gte=threshold
            )
            .order_by("-absences", "member_id")
            .select_related("member")
            .first()
        )
        if (
            worst is None
            or Handling.objects.filter(member=worst.member, stage=HandlingStage.CRITICISM).exists()
        ):
            continue
        services.absence_criticism_record(
            actor=actor, member=worst.member, year=today.year, on=today, note="支委会谈话提醒。"
        )
        done += 1
    return done
