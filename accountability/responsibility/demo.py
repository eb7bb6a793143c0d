"""Demo of document 4's responsibility system in 浙江 → 杭州 → 西湖区: the
first and directly responsible persons and members with a share for the
province, city and county committees (西湖区 with a predecessor in the
history), 西湖区's party-building leading group with a meeting, 创先争优
commendations (awarded, nominated, declined) and one accountability record.
Idempotent (each part keyed by what it creates), deterministic by seed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from branches.models import Organization, OrgKind, User
from members.models import Member

from . import services
from .models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroup,
    ResponsibilityAssignment,
)

COUNTY, CITY, PROVINCE = "ZJ-HZ-XH", "ZJ-HZ", "ZJ"
# committee code → actor login, posts (first, direct, shares with their duties)
COMMITTEES = {
    PROVINCE: (
        "zj_org",
        "省委书记",
        "省委副书记（分管党建）",
        [
            ("省委常委、组织部长", "指导全省基层党组织建设，抓软弱涣散基层党组织整顿。"),
            ("省委常委、宣传部长", "负责党员教育宣传工作，抓好理论学习和宣传阵地建设。"),
        ],
    ),
    CITY: (
        "zj_org",
        "市委书记",
        "市委常委、组织部长",
        [("市委常委、市委秘书长", "负责市直机关党建工作，督促机关党组织落实“三会一课”。")],
    ),
    COUNTY: (
        "xh_org",
        "区委书记",
        "区委副书记（分管党建）",
        [
            ("区委常委、组织部长", "具体负责基层党组织建设和党员队伍建设，牵头述职评议考核。"),
            ("区委常委、纪委书记", "负责对抓基层党建工作不力的问责，监督责任落实。"),
            ("区委常委、宣传部长", "负责党员教育培训和远程教育站点建设。"),
        ],
    ),
}


def _people(committee: Organization, n: int) -> list[Member]:
    """Current members of the committee's organ branches (leaders first), else of its
    subtree; nobody already named for another committee."""
    named = ResponsibilityAssignment.objects.values("member_id")
    members = (
        Member.objects.current()
        .filter(branch__path__descendant_of=committee.path)
        .exclude(pk__in=named)
    )
    organ = members.filter(branch__code__startswith=f"{committee.code}-JG-")
    rows = list(organ.order_by("-leadership_level", "pk")[:n])
    if len(rows) < n:
        seen = {m.pk for m in rows}
        rows += [m for m in members.order_by("pk")[: n * 3] if m.pk not in seen][: n - len(rows)]
    return rows


def _assignments(code: str, today: date) -> int:
    committee = Organization.objects.filter(code=code).first()
    login, first_post, direct_post, shares = COMMITTEES[code]
    actor = User.objects.filter(username=login).first()
    if committee is None or actor is None:
        return 0
    if ResponsibilityAssignment.objects.filter(organization=committee).exists():
        return 0
    extra = 1 if code == COUNTY else 0
    people = _people(committee, 2 + len(shares) + extra)
    if len(people) < 2 + len(shares) + extra:
        return 0
    start = date(today.year - 3, 6, 1)
    created = 0
    if extra:  # a predecessor, replaced last year: the history keeps him
        services.assignment_start(
            actor=actor,
            organization=committee,
            role="first",
            member=people.pop(),
            post=first_post,
            valid_from=start - timedelta(days=700),
        )
        created += 1
    first_from = date(today.year - 1, 4, 10) if extra else start
    services.assignment_start(
        actor=actor,
        organization=committee,
        role="first",
        member=people[0],
        post=first_post,
        duties="对本地区基层党建工作负总责，每年专题研究基层党建工作不少于两次。",
        valid_from=first_from,
    )
    services.assignment_start(
        actor=actor,
        organization=committee,
        role="direct",
        member=people[1],
        post=direct_post,
        duties="协助书记抓基层党建工作，具体组织实施年度基层党建工作计划。",
        valid_from=start,
    )
    for member, (post, duties) in zip(people[2:], shares, strict=False):
        services.assignment_start(
            actor=actor,
            organization=committee,
            role="shared",
            member=member,
            post=post,
            duties=duties,
            valid_from=start,
        )
    return created + 2 + len(shares)


def _group(today: date) -> int:
    county = Organization.objects.filter(code=COUNTY).first()
    actor = User.objects.filter(username="xh_org").first()
    if county is None or actor is None or LeadingGroup.objects.filter(organization=county).exists():
        return 0
    current = list(
        ResponsibilityAssignment.objects.filter(organization=county, valid_to__isnull=True)
        .select_related("member")
        .order_by("role", "pk")
    )
    if len(current) < 3:
        return 0
    set_up_on = date(today.year - 1, 5, 1)
    group = services.group_set_up(
        actor=actor,
        organization=county,
        set_up_on=set_up_on,
        name="中共杭州市西湖区委党建工作领导小组",
        remit="研究部署全区基层党建工作，督促检查党建工作责任制落实情况。",
    )
    roles = {"first": "head", "direct": "deputy_head"}
    seats = [
        services.group_member_add(
            actor=actor,
            group=group,
            member=a.member,
            group_role=roles.get(a.role, "member"),
            post=a.post,
            since=set_up_on,
        )
        for a in current
    ]
    services.meeting_record(
        actor=actor,
        group=group,
        held_on=min(today, date(today.year, 3, 15)) if today.month > 3 else today,
        topics="听取各街道党工委书记抓基层党建工作述职；研究软弱涣散基层党组织整顿工作。",
        decisions="确定三个后进村（社区）党组织为年度整顿对象，由区委常委分别联系；"
        "述职评议结果纳入年度考核。",
        attendees=seats[:-1] or seats,
    )
    return 1


def _commendations(rng: random.Random, today: date) -> int:
    county = Organization.objects.filter(code=COUNTY).first()
    city = Organization.objects.filter(code=CITY).first()
    county_actor = User.objects.filter(username="xh_org").first()
    city_actor = User.objects.filter(username="zj_org").first()
    if None in (county, city, county_actor, city_actor):
        return 0
    if Commendation.objects.filter(nominated_by=county).exists():
        return 0
    branches = list(
        Organization.objects.filter(
            path__descendant_of=county.path, kind=OrgKind.BRANCH, dissolved__isnull=True
        ).order_by("code", "pk")[:20]
    )
    members = list(
        Member.objects.current()
        .filter(branch__path__descendant_of=county.path, leadership_level="")
        .order_by("pk")[:40]
    )
    if len(branches) < 2 or len(members) < 3:
        return 0
    last = today.year - 1
    units = rng.sample(branches, 2)
    picked = rng.sample(members, 3)
    rows = [
        (
            "advanced_org",
            last,
            units[0],
            None,
            city,
            "award",
            "村党组织带领群众发展特色产业，集体经济收入三年翻番，连续两年述职评议考核“好”等次。",
        ),
        (
            "excellent_member",
            last,
            None,
            picked[0],
            county,
            "award",
            "扎根社区二十年，组建党员志愿服务队，常年结对帮扶困难群众。",
        ),
        (
            "excellent_worker",
            last,
            None,
            picked[1],
            city,
            "decline",
            "从事基层党务工作十五年，党员发展和党费收缴台账规范。",
        ),
        (
            "advanced_org",
            today.year,
            units[1],
            None,
            city,
            "",
            "党员活动阵地规范化建设成效明显，“三会一课”制度落实到位。",
        ),
        (
            "excellent_worker",
            today.year,
            None,
            picked[2],
            county,
            "",
            "认真组织党员教育培训，支部学习档案完整规范。",
        ),
    ]
    created = 0
    for kind, year, org, member, awarder, step, deeds in rows:
        row = services.commendation_nominate(
            actor=county_actor,
            nominated_by=county,
            awarded_by=awarder,
            kind=kind,
            year=year,
            deeds=deeds,
            nominee_org=org,
            nominee_member=member,
        )
        decider = city_actor if awarder == city else county_actor
        on = min(today, date(year, 6, 28))
        if step == "award":
            services.commendation_award(
                actor=decider, commendation=row, on=on, note="经研究决定，予以表彰。"
            )
        elif step == "decline":
            services.commendation_decline(
                actor=decider, commendation=row, on=on, note="名额有限，推荐下一年度参评。"
            )
        created += 1
    return created


def _record(today: date) -> int:
    county = Organization.objects.filter(code=COUNTY).first()
    actor = User.objects.filter(username="xh_org").first()
    target = Organization.objects.filter(code=f"{COUNTY}-T3").first()
    if None in (county, actor, target):
        return 0
    if AccountabilityRecord.objects.filter(decided_by=county).exists():
        return 0
    services.record_create(
        actor=actor,
        decided_by=county,
        organization=target,
        decided_on=today - timedelta(days=45),
        failure="对所属村党组织软弱涣散问题长期不研究、不解决，整顿工作推进不力，"
        "年度述职评议考核为“差”等次。",
        measure="talk",
    )
    return 1


def ensure_responsibility(seed: int = 0) -> int:
    """Create the demo once; return how many records were created."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    today = timezone.localdate()
    created = sum(_assignments(code, today) for code in (COUNTY, CITY, PROVINCE))
    created += _group(today)
    created += _commendations(rng, today)
    created += _record(today)
    return created
