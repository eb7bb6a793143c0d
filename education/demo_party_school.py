"""Demo party workers, party-school trainings and leaders' lectures in one
township of 西湖区 (杭州) and one of 阆中市 (四川), entered through the
services; then today's education cycles run so that reminders exist.

About ten workers fall due within 90 days, five are overdue, the others were
trained in time. Idempotent: townships that already have posts are left alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import Organization, User
from members import services as member_services
from members.models import Member

from . import cycles, services
from .models import PartyWorker
from .selectors import add_years

TOWNSHIPS = {
    # township code: (county party school, city party school, provincial party school)
    "ZJ-HZ-XH-T1": ("中共杭州市西湖区委党校", "中共杭州市委党校", "中共浙江省委党校"),
    "SC-NC-LZ-T1": ("中共阆中市委党校", "中共南充市委党校", "中共四川省委党校"),
}
COURSES = (
    "基层党组织书记轮训班",
    "党务工作者能力提升培训班",
    "学习贯彻党的二十大精神专题轮训班",
    "村（社区）党组织书记示范培训班",
)
# The state each worker is given, in order: heads and others mixed.
PLAN = ["overdue", "due", "ok", "due", "ok", "ok", "due", "ok", "overdue", "ok", "due", "ok"]


def _posts(township: Organization) -> list[tuple[Member, Organization, str]]:
    """(member, organisation, post) for the township committee and its branches."""
    branches = list(
        Organization.objects.filter(parent=township, dissolved__isnull=True).order_by("code")
    )
    chosen: list[tuple[Member, Organization, str]] = []
    for branch in branches:
        members = list(Member.objects.filter(branch=branch, left_on__isnull=True).order_by("pk"))
        for member, post in zip(members, ("secretary", "deputy", "committee"), strict=False):
            chosen.append((member, branch, post))
    if branches:
        spare = list(
            Member.objects.filter(branch=branches[0], left_on__isnull=True).order_by("pk")[3:5]
        )
        for member, post in zip(spare, ("secretary", "committee"), strict=False):
            chosen.append((member, township, post))
    return chosen


def _ensure_township(township: Organization, schools, actor: User, rng, today: date) -> int:
    if PartyWorker.objects.filter(organization__path__descendant_of=township.path).exists():
        return 0
    county, city, province = schools
    plan = PLAN * 10
    quotas = {"overdue": 3, "due": 5}  # per township: about 10 due and 5-6 overdue in all
    created = 0
    for i, (member, org, post) in enumerate(_posts(township)):
        state = plan[i]
        if state != "ok" and quotas[state] == 0:
            state = "ok"
        elif state != "ok":
            quotas[state] -= 1
        if state == "overdue":
            ends = add_years(today, -3) - timedelta(days=rng.randint(20, 300))
        elif state == "due":
            ends = add_years(today, -3) + timedelta(days=rng.randint(5, 85))
        else:
            ends = today - timedelta(days=rng.randint(120, 800))
        since = date(rng.randint(2012, min(2019, ends.year - 1)), rng.choice((1, 3, 4, 9)), 1)
        services.party_worker_save(
            actor=actor, member=member, organization=org, post=post, since=since
        )
        school, level = rng.choice(((county, "county"), (county, "county"), (city, "city")))
        if post == "secretary" and rng.random() < 0.3:
            school, level = province, "province"
        # An older course first, then the one that counts.
        if rng.random() < 0.4:
            old_end = add_years(ends, -3)
            services.party_school_training_add(
                actor=actor,
                member=member,
                school=county,
                level="county",
                starts_on=old_end - timedelta(days=4),
                ends_on=old_end,
                course=COURSES[1],
            )
        services.party_school_training_add(
            actor=actor,
            member=member,
            school=school,
            level=level,
            starts_on=ends - timedelta(days=rng.choice((4, 6, 13))),
            ends_on=ends,
            course=rng.choice(COURSES),
        )
        created += 1
    return created


def _ensure_leaders(township: Organization, actor: User, today: date) -> None:
    """Three leading cadres per township: one gave a party lecture this year,
    one a situation report, one only last year (so is listed)."""
    branches = list(Organization.objects.filter(parent=township).order_by("code")[1:4])
    plan = [("county", "lecture", today.year), ("city", "report", today.year)]
    plan.append(("county", "lecture", today.year - 1))
    for branch, (level, kind, year) in zip(branches, plan, strict=False):
        leader = (
            Member.objects.filter(branch=branch, left_on__isnull=True)
            .exclude(party_posts__isnull=False)
            .order_by("-pk")
            .first()
        )
        if leader is None:
            continue
        leader = member_services.member_update(actor=actor, member=leader, leadership_level=level)
        starts = timezone.make_aware(datetime.combine(date(year, 6, 18), time(15, 0)))
        services.activity_create(
            actor=actor,
            organization=branch,
            kind=kind,
            title="形势政策报告：当前经济形势与任务"
            if kind == "report"
            else "领导干部讲党课：坚定理想信念 践行初心使命",
            starts_at=starts,
            hours=Decimal("2"),
            place="党群服务中心会议室",
            lecturer_member=leader,
        )


def ensure_party_school(
    seed: int = 0, actor: User | None = None, on: date | None = None, run_cycles: bool = True
) -> int:
    """Posts, trainings and leaders for the two demo townships; then (unless
    `run_cycles` is false) the cycles of `on` (default: today) for their
    provinces. Returns the new posts."""
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    actor = actor or User.objects.get(username="admin")
    today = on or timezone.localdate()
    created = 0
    provinces = set()
    for code, schools in TOWNSHIPS.items():
        township = Organization.objects.filter(code=code).first()
        if township is None:
            continue
        new = _ensure_township(township, schools, actor, rng, today)
        if new:
            _ensure_leaders(township, actor, today)
        created += new
        provinces.add(township.province_id)
    if run_cycles:
        for province_id in sorted(provinces):
            cycles.run_province(province_id, today)
    return created


def run_demo_cycles(on: date | None = None) -> int:
    """Today's cycles for the demo provinces, as beat would run them."""
    today = on or timezone.localdate()
    provinces = (
        Organization.objects.filter(code__in=TOWNSHIPS)
        .values_list("province_id", flat=True)
        .distinct()
    )
    for province_id in sorted(provinces):
        cycles.run_province(province_id, today)
    return len(provinces)
