"""Demo rectification orders in 西湖区: the county organisation department
(login xh_org) orders branches of ZJ-HZ-XH to rectify — one overdue (the
branch of xh_secretary, still in progress), one accepted, one submitted
awaiting acceptance, one just issued. Idempotent (keyed by the reference
text), deterministic by seed."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from branches.models import Organization, OrgKind, User

from . import services, tasks
from .models import RectificationOrder, WeakUnit

COUNTY = "ZJ-HZ-XH"
OWN_BRANCH = "ZJ-HZ-XH-T1-01"
# (reference, source kind, problem, what must be done, issued days ago,
#  deadline days from issue, progress entries, final state)
ORDERS = [
    (
        "西组发〔{year}〕12号 软弱涣散基层党组织整顿",
        "weak_unit",
        "支部班子不健全，组织委员长期空缺；近半年未按规定召开支部委员会会议。",
        "补齐支部委员，建立每月支部委员会会议制度，三个月内完成整顿并报送整顿报告。",
        70,
        60,
        ["已召开支部党员大会补选组织委员，候选人已报街道党工委审批。"],
        "in_progress",
    ),
    (
        "西组督〔{year}〕3号 基层党建工作督查",
        "inspection",
        "“三会一课”记录不全，党课记录缺少授课人和参加人员签到。",
        "规范“三会一课”台账，补全签到记录，下季度起按月报送会议记录。",
        40,
        60,
        ["已对照督查清单补全今年以来的会议记录和签到表。", "已建立会议记录月报制度，首月已报送。"],
        "accepted",
    ),
    (
        "浙组抽〔{year}〕1号 省委组织部随机抽查",
        "spot_check",
        "党费收缴台账与党员名册不一致，两名党员连续三个月未交纳党费且未谈话提醒。",
        "核对党费台账，与未按时交纳党费的党员谈话，补交后报送核对情况。",
        25,
        30,
        ["已与两名党员谈话，党费已补交，台账已与名册核对一致。"],
        "submitted",
    ),
    (
        "{year}年度基层党建述职评议考核",
        "assessment",
        "考核评价为“一般”：党员教育管理薄弱，流动党员联系不及时。",
        "制定整改方案，建立流动党员月联系制度，年底前完成整改并报送整改情况。",
        5,
        90,
        [],
        "issued",
    ),
]


def ensure_rectifications(seed: int = 0) -> int:
    """Create the demo once; return how many orders were created."""
    county = Organization.objects.filter(code=COUNTY).first()
    actor = User.objects.filter(username="xh_org").first()
    if county is None or actor is None:
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    branches = list(
        Organization.objects.filter(
            path__descendant_of=county.path, kind=OrgKind.BRANCH, dissolved__isnull=True
        ).order_by("code", "pk")[:20]
    )
    if not branches:
        return 0
    own = next((b for b in branches if b.code == OWN_BRANCH), branches[0])
    others = [b for b in branches if b.pk != own.pk] or [own]
    today = timezone.localdate()
    worker = User.objects.filter(username="xh_secretary").first() or actor
    created = 0
    for i, (ref, kind, problem, required, ago, days, steps, state) in enumerate(ORDERS):
        issued_on = today - timedelta(days=ago)
        reference = ref.format(year=issued_on.year)
        target = own if i == 0 else rng.choice(others)
        if RectificationOrder.objects.filter(issued_by_org=county, source_ref=reference).exists():
            continue
        order = services.order_issue(
            actor=actor,
            issued_by_org=county,
            organization=target,
            source_kind=kind,
            source_ref=reference,
            problem=problem,
            required=required,
            issued_on=issued_on,
            deadline=issued_on + timedelta(days=days),
        )
        by = worker if target.pk == own.pk else actor
        for n, text in enumerate(steps):
            services.progress_record(
                actor=by,
                order=order,
                progress=text,
                on=min(today, issued_on + timedelta(days=10 * (n + 1))),
            )
        if state in ("submitted", "accepted"):
            services.order_submit(actor=by, order=order, note="整改已完成，请予验收。")
        if state == "accepted":
            services.order_accept(actor=actor, order=order, note="经实地查看，整改到位，同意验收。")
        created += 1
    if county.province_id:
        tasks.flag_overdue(county.province_id, today)
    return created


# (problems, measures, identified days ago, deadline days from identification, consolidated)
WEAK_UNITS = [
    (
        "支部书记长期外出务工，支部半年以上未开展组织生活，党员作用发挥不明显。",
        "街道党工委选派第一书记驻村，调整支部书记人选，恢复“三会一课”，每月报告整顿进展。",
        300,
        120,
        "班子已调整到位，组织生活恢复正常，经街道党工委验收整顿达标。",
    ),
    (
        "支部委员会不健全，发展党员工作连续三年空白，群众反映服务意识不强。",
        "县委组织部领导建立联系点，补齐支部委员，制定发展党员计划，年底前完成整顿。",
        45,
        120,
        "",
    ),
]


def ensure_weak_units(seed: int = 0) -> int:
    """Two weak and lax branches of 西湖区: one consolidated last year, one being
    consolidated now. Idempotent (one record per branch and year)."""
    county = Organization.objects.filter(code=COUNTY).first()
    actor = User.objects.filter(username="xh_org").first()
    if county is None or actor is None:
        return 0
    branches = list(
        Organization.objects.filter(
            path__descendant_of=county.path, kind=OrgKind.BRANCH, dissolved__isnull=True
        )
        .exclude(code=OWN_BRANCH)
        .order_by("code", "pk")[2:4]
    )
    today = timezone.localdate()
    created = 0
    for branch, (problems, measures, ago, days, result) in zip(branches, WEAK_UNITS, strict=False):
        identified_on = today - timedelta(days=ago)
        if WeakUnit.objects.filter(organization=branch, year=identified_on.year).exists():
            continue
        unit = services.weak_unit_identify(
            actor=actor,
            identified_by_org=county,
            organization=branch,
            year=identified_on.year,
            problems=problems,
            measures=measures,
            identified_on=identified_on,
            deadline=identified_on + timedelta(days=days),
        )
        if result:
            done_on = min(today, identified_on + timedelta(days=days - 10))
            services.progress_record(actor=actor, order=unit.order, progress=result, on=done_on)
            services.order_submit(actor=actor, order=unit.order, note="整顿已完成，请予验收。")
            services.order_accept(actor=actor, order=unit.order, note="整顿达标。")
            services.weak_unit_consolidate(
                actor=actor, unit=unit, consolidated_on=today, result=result
            )
        created += 1
    return created
