"""Demo data of care: households in difficulty and pairings with visits in the
西湖区 and 阆中 demo branches, a year of volunteering for their members (赵磊,
xh_member, entering some of his own), and care records for members in
hardship (flagging two members of each branch when none is flagged).
Idempotent: each part is skipped when the branch already has its records."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import Organization, User
from members import services as member_services
from members.models import FlagKind, Member, MemberFlag

from . import services_care as services
from .models import CareRecord, Household, VolunteerRecord

BRANCHES = [("ZJ-HZ-XH-T1-01", "xh_secretary"), ("SC-NC-LZ-T1-01", "lz_secretary")]
MEMBER_LOGIN = "xh_member"

HOUSEHOLDS = {
    "ZJ-HZ-XH-T1-01": [
        ("周阿婆", "转塘街道龙坞村", "独居老人，患慢性病，收入仅靠低保", "0571-8712****"),
        ("吴建华", "转塘街道长埭村", "家中主要劳动力因工伤致残，两个孩子上学", "138****2211"),
        ("钱小芳", "转塘街道上城埭村", "单亲母亲，失业半年，孩子患哮喘", "139****7320"),
    ],
    "SC-NC-LZ-T1-01": [
        ("何德明", "七里街道桥楼村", "因病致贫，妻子常年卧床", "0817-622****"),
        ("罗秀兰", "七里街道红岩村", "留守老人抚养两个孙辈，房屋年久失修", ""),
        ("邓国富", "七里街道郎家坝村", "种植户遭遇洪灾，果园受损严重", "158****0937"),
    ],
}
GOALS = [
    "帮助申请医疗救助，定期上门照看",
    "联系企业提供就近就业岗位，保障孩子上学",
    "帮助参加技能培训，找到稳定工作",
]
HELP = [
    ("上门走访，帮助整理医疗报销材料", "情绪好转，愿意按时复诊"),
    ("送去米面油等生活用品", "主动打理菜园，增加自给"),
    ("联系社区卫生服务中心上门体检", "学会记录血压，按时服药"),
    ("帮助孩子联系课外辅导志愿者", "孩子成绩提高，家长更有信心"),
    ("推荐参加家政服务技能培训", "报名参加培训并坚持上课"),
    ("协助办理临时救助申请", "救助到位，开始规划小本生意"),
]
VOLUNTEERING = [
    ("environment", "西湖景区湖滨垃圾清捡", "街道团工委", 2),
    ("next_generation", "社区“四点半课堂”辅导作业", "社区党委", 2),
    ("teaching", "到结对山区小学开展支教", "区教育局", 6),
    ("poverty", "助农直播帮销农产品", "区农业农村局", 3),
    ("convenience", "义务理发、修理小家电", "党员服务站", 3),
    ("service_station", "党员服务站值班", "党员服务站", 4),
]
DONATIONS = [("“慈善一日捐”活动捐款", Decimal("200.00")), ("为困难群众捐赠冬衣", Decimal("150.00"))]
CARE = [
    ("visit", "春节前上门走访慰问", None),
    ("money", "送去慰问金", Decimal("500.00")),
    ("material", "送去米、油和棉被", Decimal("300.00")),
]


def _months_ago(today: date, months: int, day: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    start = date(index // 12, index % 12 + 1, 1)
    return min(start + timedelta(days=day - 1), today)


def _able(branch: Organization) -> list[Member]:
    aged = MemberFlag.objects.filter(kind=FlagKind.AGED_INFIRM, cleared_on__isnull=True).values(
        "member_id"
    )
    return list(Member.objects.current().filter(branch=branch).exclude(pk__in=aged).order_by("pk"))


def _pairings(rng, branch, secretary, today, member_user) -> int:
    if Household.objects.filter(organization=branch).exists():
        return 0
    created = 0
    able = _able(branch)
    if member_user is not None:  # xh_member first: his page shows a pairing
        able.sort(key=lambda m: m.user_id != member_user.pk)
    for i, (name, locality, difficulty, contact) in enumerate(HOUSEHOLDS[branch.code]):
        if i >= len(able):
            break
        consent = today - timedelta(days=330 - 20 * i)
        household = services.household_create(
            actor=secretary,
            organization=branch,
            head_name=name,
            locality=locality,
            difficulty=difficulty,
            contact=contact,
            consent_on=consent,
        )
        pairing = services.pairing_create(
            actor=secretary,
            member=able[i],
            household=household,
            started_on=consent + timedelta(days=7),
            goal=GOALS[i],
        )
        created += 2
        visit_on = pairing.started_on
        for k in range(rng.randint(3, 5)):
            visit_on = min(visit_on + timedelta(days=rng.randint(30, 60)), today)
            help_given, progress = HELP[(i + k) % len(HELP)]
            services.pairing_visit_record(
                actor=secretary,
                pairing=pairing,
                on=visit_on,
                help_given=help_given,
                household_progress=progress,
            )
            created += 1
        if i == 2:  # the household stands on its own feet: pairing ends, household closed
            services.household_close(
                actor=secretary,
                household=household,
                on=min(visit_on + timedelta(days=10), today),
                note="已实现稳定就业，家庭收入达到当地平均水平，经本人同意结束帮扶，保持日常联系。",
            )
    return created


def _volunteering(rng, branch, secretary, today, member_user) -> int:
    if VolunteerRecord.objects.filter(branch=branch).exists():
        return 0
    members = list(Member.objects.current().filter(branch=branch).order_by("pk"))
    if not members:
        return 0
    created = 0
    for months in range(11, -1, -1):
        for _ in range(2):
            kind, description, organiser, hours = rng.choice(VOLUNTEERING)
            on = _months_ago(today, months, rng.randint(1, 28))
            chosen = rng.sample(members, k=min(len(members), rng.randint(2, 6)))
            if member_user is not None and months % 3 == 0:
                chosen += [m for m in members if m.user_id == member_user.pk and m not in chosen]
            created += len(
                services.volunteering_record(
                    actor=secretary,
                    organization=branch,
                    members=chosen,
                    kind=kind,
                    on=on,
                    hours=Decimal(hours),
                    organiser=organiser,
                    description=description,
                )
            )
        if months % 6 == 0:
            description, amount = DONATIONS[months // 6 % 2]
            created += len(
                services.volunteering_record(
                    actor=secretary,
                    organization=branch,
                    members=members[:4],
                    kind="donation",
                    on=_months_ago(today, months, 5),
                    hours=Decimal("0.5"),
                    organiser="街道慈善分会",
                    description=description,
                    amount=amount,
                )
            )
    if member_user is not None and any(m.user_id == member_user.pk for m in members):
        for months, (kind, description, hours) in enumerate(
            [
                ("environment", "周末参加“美丽河湖”巡河志愿活动", "2.5"),
                ("next_generation", "给邻居孩子义务辅导数学", "1.5"),
            ],
            start=1,
        ):
            services.volunteering_record_own(
                actor=member_user,
                kind=kind,
                on=_months_ago(today, months, 12),
                hours=Decimal(hours),
                organiser="",
                description=description,
            )
            created += 1
    return created


def _care(rng, branch, secretary, today) -> int:
    if CareRecord.objects.filter(branch=branch).exists():
        return 0
    hardship = MemberFlag.objects.filter(
        kind=FlagKind.HARDSHIP, cleared_on__isnull=True, member__branch=branch
    )
    members = list(
        Member.objects.current().filter(pk__in=hardship.values("member_id")).order_by("pk")
    )
    if not members:
        candidates = [m for m in _able(branch) if m.user_id is None][-2:]
        notes = ["配偶重病住院，家庭负担重", "年老多病，子女在外地"]
        for member, note in zip(candidates, notes, strict=False):
            member_services.member_set_flag(
                actor=secretary,
                member=member,
                kind=FlagKind.HARDSHIP,
                on=today - timedelta(days=400),
                note=note,
            )
        members = candidates
    created = 0
    for i, member in enumerate(members):
        # The last one was helped only last year: it shows first on the page.
        days = [400, 200] if i == len(members) - 1 and i > 0 else [380, 60]
        for k, back in enumerate(days):
            kind, support, amount = CARE[(i + k) % len(CARE)]
            on = today - timedelta(days=back)
            if on.year == today.year and i == len(members) - 1 and i > 0:
                on = date(today.year - 1, 11, 20)
            services.care_record(
                actor=secretary,
                member=member,
                kind=kind,
                on=on,
                support=support,
                amount=amount,
                given_by="支部书记带队",
            )
            created += 1
    return created


def ensure_care(seed: int = 0) -> int:
    """Create the demo records once; return how many were created."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    today = timezone.localdate()
    member_user = User.objects.filter(username=MEMBER_LOGIN).first()
    created = 0
    for code, username in BRANCHES:
        branch = Organization.objects.filter(code=code).first()
        secretary = User.objects.filter(username=username).first()
        if branch is None or secretary is None:
            continue
        created += _pairings(rng, branch, secretary, today, member_user)
        created += _volunteering(rng, branch, secretary, today, member_user)
        created += _care(rng, branch, secretary, today)
    return created
