"""Demo data of service stations, reception of the public and cases: stations
and points in 西湖区 and 阆中市, a reception schedule of three county-level
leaders (the same organ members as the research demo; `leadership_level` is
set to "county" where empty), and about twenty cases over the past year in
every state, two of them overdue. Idempotent, deterministic by seed."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from branches.models import Organization, User
from members import services as member_services
from members.models import Member

from . import services_cases as services
from .models import ServiceStation

COUNTIES = {"xh": ("ZJ-HZ-XH", "xh_org"), "lz": ("SC-NC-LZ", "sc_org")}
# (county, organisation code, kind, name, address, services, opening times, phone)
STATIONS = [
    (
        "xh",
        "ZJ-HZ-XH-T1",
        "station",
        "北山街道党员服务中心",
        "杭州市西湖区北山街道曙光路12号",
        "党员组织关系接转、流动党员登记、困难群众帮扶、政策咨询",
        "周一至周五 8:30-17:00，周六上午 9:00-12:00",
        "0571-87000001",
    ),
    (
        "xh",
        "ZJ-HZ-XH-T1-01",
        "station",
        "曙光社区党员服务站",
        "曙光社区党群服务中心一楼",
        "代办证明、矛盾调解、居家养老服务对接",
        "周一至周日 9:00-18:00",
        "0571-87000002",
    ),
    (
        "xh",
        "ZJ-HZ-XH-T2",
        "point",
        "西溪农贸市场党员服务点",
        "西溪路农贸市场东门",
        "消费维权、价格咨询、便民服务",
        "每日 7:00-11:00",
        "",
    ),
    (
        "xh",
        "ZJ-HZ-XH-T3",
        "point",
        "翠苑商务楼宇党员服务点",
        "文三路翠苑商务大厦三楼",
        "流动党员服务、新就业群体服务、法律咨询",
        "工作日 12:00-14:00",
        "0571-87000003",
    ),
    (
        "lz",
        "SC-NC-LZ-T1",
        "station",
        "阆中镇党员服务站",
        "阆中市镇政府便民服务中心",
        "惠农政策咨询、外出务工登记、困难群众帮扶",
        "周一至周五 9:00-17:00",
        "0817-6200001",
    ),
    (
        "lz",
        "SC-NC-LZ-T1-01",
        "point",
        "村级党员服务点",
        "村委会活动室",
        "代办代缴、农技咨询",
        "逢场天 8:00-12:00",
        "",
    ),
]
# (branch code of the leader's member record, login or None)
LEADERS = [("ZJ-HZ-XH-JG-01", "xh_leader"), ("ZJ-HZ-XH-JG-02", None), ("SC-NC-LZ-JG-01", None)]
PLACES = {"xh": "西湖区信访接待中心", "lz": "阆中市群众来访接待中心"}
REQUESTS = [
    ("老旧小区加装电梯，部分低层住户有意见，希望协调。", "已召开居民协商会，达成加装方案。"),
    ("小区门口道路破损，雨天积水严重。", "已协调城管部门完成路面修补。"),
    ("反映菜市场周边占道经营，影响出行。", "已联合市场监管部门规范摊位。"),
    ("孩子随迁入学材料不全，咨询办理途径。", "已指导补齐材料，学校已接收。"),
    ("村道路灯损坏多日无人维修。", "已联系供电所更换路灯。"),
    ("希望社区增设老年食堂。", "已纳入明年民生实事项目，先开通助餐点。"),
    ("企业拖欠农民工工资。", "已移交人社部门劳动监察，督促企业支付。"),
    ("反映村务公开栏长期未更新。", "已督促村委会每月更新公开内容。"),
    ("申请低保被退回，不清楚原因。", "已解释政策条件并协助重新申请。"),
    ("小区垃圾清运不及时，夏季异味大。", "已调整清运频次为每日两次。"),
]
NAMES = [
    "王秀英",
    "李建国",
    "张桂兰",
    "刘德明",
    "陈玉珍",
    "杨志强",
    "赵淑芬",
    "黄永红",
    "周国华",
    "吴秀梅",
]
# (state, received days ago) for each county: every state, two overdue cases.
PLAN = {
    "xh": [
        ("open", 3),
        ("open", 8),
        ("overdue", 24),
        ("solved", 40),
        ("explained", 75),
        ("closed_satisfied", 120),
        ("closed_fairly", 170),
        ("late", 210),
        ("reopened", 260),
        ("closed_satisfied", 320),
        ("closed_satisfied", 350),
        ("explained", 300),
    ],
    "lz": [
        ("open", 5),
        ("overdue", 31),
        ("solved", 50),
        ("explained", 90),
        ("closed_satisfied", 150),
        ("closed_fairly", 200),
        ("reopened", 240),
        ("closed_satisfied", 330),
    ],
}
CHANNELS = ["reception", "station", "box", "hotline", "letter", "online"]
DEPARTMENTS = ["区住建局", "区民政局", "市交通运输局", "区教育局"]


def _leaders(admin: User) -> list[Member]:
    leaders = []
    for code, username in LEADERS:
        member = None
        if username:
            member = Member.objects.current().filter(user__username=username).first()
        if member is None:
            members = Member.objects.current().filter(branch__code=code).order_by("pk")
            member = (
                members.exclude(leadership_level="").first()
                or members.filter(user__isnull=True).first()
            )
        if member is None:
            continue
        if not member.leadership_level:
            member = member_services.member_update(
                actor=admin, member=member, leadership_level="county"
            )
        leaders.append(member)
    return leaders


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def ensure_cases(seed: int = 0) -> int:
    """Create the demo once; return how many cases were created."""
    counties = {
        k: Organization.objects.filter(code=code).first() for k, (code, _) in COUNTIES.items()
    }
    if (
        None in counties.values()
        or ServiceStation.objects.filter(
            organization__path__descendant_of=counties["xh"].path
        ).exists()
    ):
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    admin = User.objects.get(username="admin")
    actors = {k: User.objects.filter(username=u).first() or admin for k, (_, u) in COUNTIES.items()}
    today = timezone.localdate()
    stations = {"xh": [], "lz": []}
    for county, code, kind, name, address, offered, hours, phone in STATIONS:
        org = Organization.objects.filter(code=code).first() or counties[county]
        stations[county].append(
            services.station_create(
                actor=actors[county],
                organization=org,
                kind=kind,
                name=name,
                address=address,
                services=offered,
                opening_hours=hours,
                phone=phone,
            )
        )
    slots = {"xh": [], "lz": []}
    for leader in _leaders(admin):
        county = "xh" if leader.branch.code.startswith("ZJ-") else "lz"
        # Monthly on a Wednesday afternoon: ten past months, two to come.
        for months in range(-10, 3):
            index = today.year * 12 + today.month - 1 + months
            first = date(index // 12, index % 12 + 1, 1)
            day = first + timedelta(days=(2 - first.weekday()) % 7 + 7 * rng.randint(0, 2))
            slots[county].append(
                services.reception_create(
                    actor=actors[county],
                    organization=counties[county],
                    leader=leader,
                    starts_at=_at(day, 14),
                    ends_at=_at(day, 17),
                    place=PLACES[county],
                    note="领导干部定期接待群众来访",
                )
            )
    created = 0
    for county, plan in PLAN.items():
        branches = list(
            Organization.objects.filter(
                path__descendant_of=counties[county].path, kind="branch"
            ).order_by("code")[:6]
        ) or [counties[county]]
        for i, (state, days_ago) in enumerate(plan):
            received = today - timedelta(days=days_ago)
            channel = CHANNELS[i % len(CHANNELS)]
            past = [s for s in slots[county] if s.starts_at.date() <= received]
            extra = {}
            if channel == "reception" and past:
                extra["reception"] = past[-1]
            elif channel == "station":
                extra["station"] = stations[county][i % len(stations[county])]
            else:
                channel = "hotline" if channel in ("reception", "station") else channel
            request, outcome = REQUESTS[(i + seed) % len(REQUESTS)]
            actor = actors[county]
            case = services.case_create(
                actor=actor,
                organization=branches[i % len(branches)],
                channel=channel,
                received_on=received,
                requester_name=NAMES[(i * 3 + seed) % len(NAMES)],
                requester_contact=f"13{rng.randint(100000000, 999999999)}",
                request=request,
                **extra,
            )
            created += 1
            if state in ("open", "overdue"):
                continue
            answer_on = min(
                today,
                case.feedback_due + timedelta(days=4)
                if state == "late"
                else received + timedelta(days=rng.randint(3, 12)),
            )
            explained = state == "explained" or i % 5 == 4
            case = services.case_answer(
                actor=actor,
                case=case,
                status="explained" if explained else "solved",
                outcome=outcome,
                follow_up_department=DEPARTMENTS[i % len(DEPARTMENTS)] if explained else "",
                feedback_on=answer_on,
            )
            if state.startswith("closed"):
                services.case_close(
                    actor=actor,
                    case=case,
                    satisfaction="fairly" if state == "closed_fairly" else "satisfied",
                )
            elif state == "reopened":
                services.case_reopen(
                    actor=actor,
                    case=case,
                    note="群众对处理结果不满意，要求重新核查。",
                    on=answer_on + timedelta(days=2),
                )
                case.refresh_from_db()
                services.case_answer(
                    actor=actor,
                    case=case,
                    status="solved",
                    outcome="重新核查后已妥善解决。",
                    feedback_on=min(today, answer_on + timedelta(days=10)),
                )
    from .tasks_cases import flag_overdue

    for county in counties.values():
        flag_overdue(county.province_id, today)
    return created
