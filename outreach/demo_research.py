"""Demo data of leaders' research days: county-level leaders of 西湖区 (one of
them the xh_leader login) and 阆中市 organs with contact points, a weak unit
among them, and a year and a half of visits; xh_leader is short of this
year's requirement, the others meet it. Idempotent, deterministic by seed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import Organization, User
from members import services as member_services
from members.models import Member

from . import services_research as services
from .models import ContactPoint

# (branch code, login or None, level, target days this year, actor, contact points)
LEADERS = [
    (
        "ZJ-HZ-XH-JG-01",
        "xh_leader",
        "county",
        Decimal("30"),
        "xh_org",
        [("ZJ-HZ-XH-T2-01", True), ("ZJ-HZ-XH-T3-02", False)],
    ),
    (
        "ZJ-HZ-XH-JG-02",
        None,
        "county",
        Decimal("63"),
        "xh_org",
        [("ZJ-HZ-XH-T1-02", False), ("ZJ-HZ-XH-T3-01", True)],
    ),
    (
        "SC-NC-LZ-JG-01",
        None,
        "county",
        Decimal("61.5"),
        "sc_org",
        [("SC-NC-LZ-T2-01", True), ("SC-NC-LZ-T3-02", False)],
    ),
]
FINDINGS = [
    "走访困难群众，听取村民对道路硬化和饮水安全的意见。",
    "召开座谈会，了解基层党组织软弱涣散的原因，群众反映村务公开不及时。",
    "调研社区党员服务站运行情况，居民希望延长服务时间。",
    "了解外出务工人员子女就学困难，听取学校和家长意见。",
    "走访种养大户和合作社，群众反映农产品销路不畅。",
    "与村“两委”班子谈心谈话，分析换届后班子团结和工作推进情况。",
    "调研老旧小区改造进展，听取居民对停车和加装电梯的意见。",
]
SOLVED = [
    "协调交通部门将村道硬化列入年度计划。",
    "督促村务公开栏每月更新，建立党员联系户制度。",
    "协调服务站周末值班，方便上班族办事。",
    "协调教育部门解决12名随迁子女入学。",
    "",
    "对接电商平台，帮助合作社打开销路。",
]
OTHER_PLACES = ["区信访接待中心", "街道党群服务中心", "重点项目建设工地", "乡镇卫生院"]


def _leader(code: str, username: str | None) -> Member | None:
    if username:
        member = Member.objects.filter(user__username=username, left_on__isnull=True).first()
        if member is not None:
            return member
    members = Member.objects.current().filter(branch__code=code).order_by("pk")
    return members.exclude(leadership_level="").first() or members.filter(user__isnull=True).first()


def _visits(rng, start: date, end: date, target: Decimal):
    """(day, days) from `start` until `target` days or `end`, never overlapping."""
    day = start + timedelta(days=rng.randint(0, 6))
    total = Decimal(0)
    while total < target:
        days = min(Decimal(rng.choice(["1", "1.5", "2", "2.5", "3", "4", "5"])), target - total)
        last = services.last_day(day, days)
        if last > end:
            break
        yield day, days
        total += days
        day = last + timedelta(days=rng.randint(4, 12))


def ensure_research(seed: int = 0) -> int:
    """Contact points and visits for the demo leaders; returns the visits created."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    admin = User.objects.filter(username="admin").first()
    today = timezone.localdate()
    created = 0
    for code, username, level, target, actor_name, points in LEADERS:
        leader = _leader(code, username)
        actor = User.objects.filter(username=actor_name).first() or admin
        if leader is None or actor is None:
            continue
        if ContactPoint.objects.filter(leader=leader).exists():
            continue
        if leader.leadership_level != level:
            leader = member_services.member_update(
                actor=admin or actor, member=leader, leadership_level=level
            )
        contact_points = []
        for unit_code, weak in points:
            unit = Organization.objects.filter(code=unit_code).first()
            if unit is None:
                continue
            contact_points.append(
                services.contact_point_create(
                    actor=actor,
                    leader=leader,
                    organization=unit,
                    since=date(today.year - 1, 3, 1),
                    weak_unit=weak,
                    note="软弱涣散党组织整顿联系点" if weak else "",
                )
            )
        plan = [
            (date(today.year - 1, 1, 4), date(today.year - 1, 12, 28), Decimal(60)),
            (date(today.year, 1, 4), today - timedelta(days=2), target),
        ]
        for start, end, goal in plan:
            for day, days in _visits(rng, start, end, goal):
                point = None
                place = rng.choice(OTHER_PLACES)
                usable = [p for p in contact_points if p.since <= day]
                if usable and rng.random() < 0.7:
                    point = rng.choice(usable)
                    place = ""
                services.research_visit_create(
                    actor=actor,
                    leader=leader,
                    started_on=day,
                    days=days,
                    place=place,
                    contact_point=point,
                    hardship_area=bool(point and point.weak_unit) or rng.random() < 0.15,
                    findings=rng.choice(FINDINGS),
                    problems_solved=rng.choice(SOLVED),
                )
                created += 1
    return created
