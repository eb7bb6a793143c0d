"""Demo self-study, a guest and a closed year, entered through the services.

`ensure_self_study()` gives `xh_member` and about 30 members of the 西湖区
township branches study plans and self-study records for this year and last,
records one guest (a member of a 四川 branch at a 杭州 activity) and closes
last year for 浙江 through `year_close(actor=None, ...)`, as the yearly cycle
would. Idempotent: members with records of a year, a guest already recorded
and a closed year are left alone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import Organization, User
from members.models import Member

from . import services
from .models import Activity, Attendance, SelfStudy, StudyPlan, YearClosure

PLANS = [
    "认真学习党章党规，每月精读一篇系列讲话，结合本职工作撰写学习体会。",
    "通读《习近平新时代中国特色社会主义思想学习纲要》，每季度参加一次专题研讨。",
    "学习党史、新中国史，每月观看一部红色教育影片并记录心得。",
    "坚持每天使用“学习强国”学习半小时，全年完成两篇理论学习笔记。",
    "围绕乡村振兴和基层治理开展自学，向群众宣讲学习成果。",
]
MATERIALS = [
    ("《中国共产党章程》", "1.5"),
    ("《习近平新时代中国特色社会主义思想学习纲要》第三章", "2"),
    ("“学习强国”专题：党的二十大报告解读", "1"),
    ("《中国共产党纪律处分条例》", "1.5"),
    ("《中国共产党简史》第五章", "2"),
    ("红色教育影片《觉醒年代》观后感", "2.5"),
    ("《求是》杂志评论文章", "1"),
]


def _record(actor, member, year, rng, today) -> int:
    """A plan and two to five records of `member` in `year`; 0 if already there."""
    if SelfStudy.objects.filter(member=member, on__year=year).exists():
        return 0
    last_day = today if year == today.year else date(year, 12, 31)
    services.study_plan_save(actor=actor, member=member, year=year, content=rng.choice(PLANS))
    span = (last_day - date(year, 1, 1)).days
    n = rng.randint(2, 5)
    for _i in range(n):
        material, hours = rng.choice(MATERIALS)
        services.self_study_add(
            actor=actor,
            member=member,
            on=date(year, 1, 1) + timedelta(days=rng.randint(0, span)),
            hours=Decimal(hours),
            material=material,
            notes="做了读书笔记。" if rng.random() < 0.3 else "",
        )
    return n


def _guest(admin) -> bool:
    """A 四川 member at a 杭州 activity (an inflow story, document 3)."""
    activity = (
        Activity.objects.filter(organization__code__startswith="ZJ-HZ-")
        .order_by("-starts_at")
        .first()
    )
    guest = (
        Member.objects.filter(branch__code__startswith="SC-", left_on__isnull=True)
        .order_by("pk")
        .first()
    )
    if activity is None or guest is None:
        return False
    if Attendance.objects.filter(activity=activity, member=guest).exists():
        return False
    services.attendance_save(
        actor=admin,
        activity=activity,
        exceptions={
            a.member_id: {"status": a.status, "reason": a.reason, "hours": a.credited_hours}
            for a in activity.attendances.filter(member__branch_id=activity.organization_id)
        },
        guests={guest.pk: {}},
    )
    return True


def ensure_self_study(seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    today = timezone.localdate()
    admin = User.objects.get(username="admin")
    years = (today.year - 1, today.year)
    province = Organization.objects.filter(code="ZJ").first()
    last_year_open = (
        province is None
        or not YearClosure.objects.filter(organization=province, year=years[0]).exists()
    )
    records = 0
    own = Member.objects.filter(user__username="xh_member").select_related("user").first()
    members = list(
        Member.objects.filter(branch__code__startswith="ZJ-HZ-XH-T", left_on__isnull=True)
        .exclude(user__username="xh_member")
        .order_by("branch__code", "pk")[:30]
    )
    for year in years:
        if year == years[0] and not last_year_open:
            continue  # a closed year changes only with a reason
        if own is not None:
            records += _record(own.user, own, year, rng, today)
        for member in members:
            records += _record(admin, member, year, rng, today)
    guests = int(_guest(admin))
    closed = 0
    if province is not None and last_year_open:
        services.year_close(actor=None, province=province, year=years[0])
        closed = 1
    return {
        "self_study": records,
        "plans": StudyPlan.objects.filter(member__branch__code__startswith="ZJ-HZ-XH-T").count(),
        "guests": guests,
        "closed": closed,
    }
