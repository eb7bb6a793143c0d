"""Demo assessment of 杭州市: the city's scheme for last year (one computed
indicator from the figures, three scored by the organisation department),
a scorecard for each of its counties, all finalised; 西湖区 commended with its
secretary's report (述职), the lowest-scoring county ordered to rectify by a
deadline, the others criticised or left without an outcome by their grade.
Idempotent (one scheme per city and year), deterministic by seed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accountability import figures
from branches.models import Organization, User

from . import services
from .models import AssessmentScheme, Scorecard

CITY = "ZJ-HZ"
COUNTY = "ZJ-HZ-XH"
ASSESSOR = "zj_org"  # organisation staff of the province: reaches the city
COUNTY_STAFF = "xh_org"
LEADER = "xh_leader"  # a county-level leader: recorded as 西湖区's secretary in the demo
MANUAL = [
    ("书记履行抓基层党建第一责任人职责", Decimal(30), "听取述职、查阅资料，对照责任清单逐项评分。"),
    ("基层党组织建设和整顿软弱涣散党组织", Decimal(20), "实地抽查基层党组织，看班子、制度、阵地。"),
    ("党员教育管理和“三会一课”落实", Decimal(20), "抽查会议记录、学习台账和党员评议情况。"),
]
REPORT = (
    "一年来，区委认真履行抓基层党建工作主体责任，书记带头抓、班子成员分工抓。"
    "全年召开党建工作专题会议四次，对十二个街道党工委书记开展述职评议；"
    "整顿软弱涣散基层党组织三个，均已验收。存在的不足：流动党员管理还不够规范，"
    "下一步将建立流动党员月联系制度。"
)


def ensure_assessments(seed: int = 0) -> int:
    """Create the demo once; return how many scorecards were created."""
    city = Organization.objects.filter(code=CITY).first()
    actor = User.objects.filter(username=ASSESSOR).first()
    if city is None or actor is None or "members" not in figures.FIGURES:
        return 0
    year = timezone.localdate().year - 1
    if AssessmentScheme.objects.filter(organization=city, year=year).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    scheme = services.scheme_create(
        actor=actor,
        organization=city,
        year=year,
        title=f"{year}年度县（市、区）委抓基层党建工作考核",
    )
    services.indicator_add(
        actor=actor,
        scheme=scheme,
        name="党员队伍规模（在册党员）",
        kind="computed",
        weight=Decimal(30),
        figure_key="members",
        target=Decimal(60),
        guidance="按在册党员数计算，达到目标得满分。",
    )
    for name, weight, guidance in MANUAL:
        services.indicator_add(
            actor=actor, scheme=scheme, name=name, kind="manual", weight=weight, guidance=guidance
        )
    created = services.scheme_publish(actor=actor, scheme=scheme)
    scorecards = list(
        Scorecard.objects.filter(scheme=scheme).select_related("organization").order_by("pk")
    )
    leader = User.objects.filter(username=LEADER).select_related("member").first()
    manual = list(scheme.indicators.filter(kind="manual"))
    for scorecard in scorecards:
        own = scorecard.organization.code == COUNTY
        if own and leader is not None and getattr(leader, "member", None) is not None:
            Scorecard.objects.filter(pk=scorecard.pk).update(secretary=leader.member)
        share = Decimal("0.95") if own else Decimal(rng.choice([55, 70, 80, 88, 95])) / 100
        for indicator in manual:
            points = (indicator.weight * share).quantize(Decimal("1"))
            services.score_manual(
                actor=actor,
                scorecard=scorecard,
                indicator=indicator,
                points=points,
                comment="经听取述职和实地检查评定。",
            )
        if own:
            staff = User.objects.filter(username=COUNTY_STAFF).first() or actor
            services.report_record(
                actor=staff,
                scorecard=scorecard,
                on=min(date(year + 1, 1, 15), timezone.localdate()),
                text=REPORT,
            )
        services.scorecard_finalise(actor=actor, scorecard=scorecard)
    finals = [Scorecard.objects.get(pk=s.pk) for s in scorecards]
    lowest = min(
        (s for s in finals if s.organization.code != COUNTY), key=lambda s: s.total, default=None
    )
    for scorecard in finals:
        if scorecard.organization.code == COUNTY:
            services.scorecard_outcome(
                actor=actor,
                scorecard=scorecard,
                outcome="commendation",
                note="考核“好”，通报表扬。",
            )
        elif lowest is not None and scorecard.pk == lowest.pk:
            services.scorecard_outcome(
                actor=actor,
                scorecard=scorecard,
                outcome="rectification",
                note="基层党组织建设和党员教育管理失分较多。",
                required="制定整改方案，三个月内整顿软弱涣散党组织，规范“三会一课”台账，报送整改报告。",
                deadline=timezone.localdate() + timedelta(days=90),
            )
        elif scorecard.grade == "poor":
            services.scorecard_outcome(
                actor=actor, scorecard=scorecard, outcome="criticism", note="考核“差”，通报批评。"
            )
    return created
