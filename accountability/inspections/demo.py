"""Demo spot-check: last year's provincial random spot-check of 浙江 (ZJ), organised by
the provincial organisation department (login zj_org) with the inspector
zj_inspector; drawn from a fixed seed, checklists filled in, findings recorded
with their rectification orders. Plus a circuit inspection by 西湖区 (xh_org).
Idempotent (keyed by the title), deterministic by seed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from branches.models import Organization, OrgKind, User

from . import services
from .models import Inspection, InspectionResult, SpotCheck, SpotCheckItem

PROVINCE = "ZJ"
COUNTY = "ZJ-HZ-XH"
TITLE = "{year}年度全省基层党组织建设随机抽查"
FINDINGS = [
    (
        "serious",
        "党费收缴台账与党员名册不一致，部分党员连续三个月未交纳党费。",
        "核对党费台账，与未按时交纳党费的党员谈话提醒，补交后报送核对情况。",
    ),
    (
        "minor",
        "“三会一课”记录不全，党课记录缺少授课人和参加人员签到。",
        "规范“三会一课”台账，补全签到记录，按月报送会议记录。",
    ),
    (
        "grave",
        "上年度民主评议党员未开展，无评议记录。",
        "制定民主评议工作方案，一个月内完成评议并报送评议结果。",
    ),
]
ITEM_NOTES = {
    "noncompliant": "现场查阅台账发现问题，已当场反馈支部书记。",
    "mostly": "基本落实，个别记录不够规范。",
    "compliant": "",
}


def _spot_check(seed: int) -> int:
    province = Organization.objects.filter(code=PROVINCE).first()
    staff = User.objects.filter(username="zj_org").first()
    inspector = User.objects.filter(username="zj_inspector").first()
    if province is None or staff is None:
        return 0
    year = timezone.localdate().year - 1
    title = TITLE.format(year=year)
    if SpotCheck.objects.filter(organizing_org=province, year=year, title=title).exists():
        return 0
    strata = len(services.population_of(province)["strata"])
    if strata == 0:
        return 0
    check = services.spot_check_define(
        actor=staff,
        organizing_org=province,
        year=year,
        title=title,
        branch_sample=max(12, strata),
        members_per_branch=3,
        period_start=date(year, 11, 1),
        period_end=date(year, 12, 15),
        inspectors=[inspector] if inspector else [],
        access_expires_at=timezone.now() + timedelta(days=90),
    )
    check = services.spot_check_draw(actor=staff, spot_check=check, seed=20_250_000 + seed)
    rng = random.Random(seed)  # noqa: S311 - demo data
    deadline = timezone.localdate() + timedelta(days=45)
    units = list(check.units.select_related("branch").order_by("position"))
    for i, unit in enumerate(units[: max(1, len(units) * 2 // 3)]):
        results = {}
        for item in SpotCheckItem.values:
            result = rng.choices(
                [
                    InspectionResult.COMPLIANT,
                    InspectionResult.MOSTLY,
                    InspectionResult.NONCOMPLIANT,
                ],
                weights=[6, 3, 1],
            )[0]
            results[item] = (result, ITEM_NOTES[result])
        services.checklist_record(
            actor=inspector or staff,
            unit=unit,
            results=results,
            note="抽查组现场查阅台账、个别访谈党员。",
        )
        if i < len(FINDINGS):
            severity, problem, required = FINDINGS[i]
            services.finding_record(
                actor=staff,
                unit=unit,
                problem=problem,
                required=required,
                severity=severity,
                deadline=deadline,
            )
    return 1


def _inspection() -> int:
    county = Organization.objects.filter(code=COUNTY).first()
    staff = User.objects.filter(username="xh_org").first()
    if county is None or staff is None:
        return 0
    year = timezone.localdate().year
    title = f"{year}年上半年基层党建巡回检查"
    if Inspection.objects.filter(organizing_org=county, title=title).exists():
        return 0
    targets = list(
        Organization.objects.filter(
            path__descendant_of=county.path, kind=OrgKind.BRANCH, dissolved__isnull=True
        ).order_by("code", "pk")[:3]
    )
    if not targets:
        return 0
    today = timezone.localdate()
    inspection = services.inspection_create(
        actor=staff,
        organizing_org=county,
        kind="circuit",
        title=title,
        period_start=today - timedelta(days=20),
        period_end=today - timedelta(days=10),
        organizations=targets,
        items=["“三会一课”制度落实情况", "党员发展和教育管理情况", "党费收缴使用管理情况"],
    )
    entries = {e.pk: ("compliant", "") for e in inspection.items.first().entries.all()}
    services.inspection_record(
        actor=staff, inspection=inspection, results=entries, follow_up="一个月后对整改情况回访。"
    )
    services.inspection_finding_record(
        actor=staff,
        inspection=inspection,
        organization=targets[0],
        problem="党员发展档案材料不齐全，缺少政治审查材料。",
        required="补齐发展党员档案材料，建立档案审核制度。",
        severity="minor",
        deadline=today + timedelta(days=30),
    )
    return 1


def ensure_inspections(seed: int = 0) -> int:
    """Create the demo once; return how many spot-checks and inspections were created."""
    return _spot_check(seed) + _inspection()
