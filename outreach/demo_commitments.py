"""Demo data of members' commitments and service posts: a year of commitments
in the 西湖区 branch ZJ-HZ-XH-T1-01 in every state, with progress and public
evaluations, and a few service posts with holders and their log. Idempotent."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from branches.models import Organization, User
from members.models import Member

from . import services_commitments as services
from .models import Commitment, ServicePost

BRANCH_CODE = "ZJ-HZ-XH-T1-01"

# (content, state)
DEEDS = [
    ("为小区独居老人每月上门测一次血压，并帮助代购生活用品", "done"),
    ("牵头清理三号楼楼道堆积杂物，消除消防隐患", "approved"),
    ("每周六上午在党员服务点为居民义务维修小家电", "done"),
    ("协调物业修复小区北门路灯，方便居民夜间出行", "not_done"),
    ("为社区困难家庭学生开展暑期免费课业辅导", "approved"),
    ("组织楼栋垃圾分类宣传，每季度一次", "submitted"),
    ("帮助社区老人学会使用手机挂号和扫码乘车", "returned"),
    ("为小区加装电梯征求居民意见并向街道反映", "draft"),
    ("参与社区文明劝导，每月两次", "withdrawn"),
    ("整理社区老年活动室图书，建立借阅登记", "done"),
]
PROGRESS = [
    "已完成第一阶段工作，居民反映良好。",
    "与社区居委会沟通，落实了场地和时间。",
    "本月按计划开展，参与居民十余人次。",
]
COMMENTS = [
    "党员同志很负责，点赞！",
    "希望能坚持下去。",
    "",
    "服务很及时，谢谢！",
    "",
    "效果还可以，建议再多宣传。",
]
POSTS = [
    ("政策宣传岗", "向居民宣传解释党的路线方针政策和法律法规，每月至少入户宣传一次。", 2),
    ("邻里调解岗", "了解居民情绪，调解邻里纠纷，及时向党支部反映群众意见。", 2),
    ("关爱帮扶岗", "联系困难群众和独居老人，定期走访，帮助解决生活中的实际困难。", 3),
]
LOGS = [
    "入户走访5户，发放政策宣传资料。",
    "调解3号楼邻里噪音纠纷一起，双方达成谅解。",
    "走访独居老人2户，帮助联系社区医生上门。",
    "参加社区议事会，反映居民停车难问题。",
]


def _day(year: int, today: date, month: int, day: int) -> date:
    """A day of `year`, not after today."""
    return min(date(year, month, day), today)


def ensure_commitments(seed: int = 0) -> int:
    """Create the demo commitments and posts once; return how many commitments were created."""
    branch = Organization.objects.filter(code=BRANCH_CODE).first()
    if branch is None or Commitment.objects.filter(branch=branch).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    secretary = User.objects.get(username="xh_secretary")
    member_user = User.objects.filter(username="xh_member").first()
    today = timezone.localdate()
    year = today.year
    members = list(services.able_members(Member.objects.filter(branch=branch)).order_by("pk"))
    own = next((m for m in members if member_user and m.user_id == member_user.pk), None)
    if own is not None:  # xh_member first, with two commitments
        members.remove(own)
        members = [own, own, *members]
    created = 0
    for i, ((content, state), member) in enumerate(zip(DEEDS, members, strict=False)):
        actor = (
            member_user
            if member.user_id and member_user and member.user_id == member_user.pk
            else secretary
        )
        target = date(year, 12, 31) - timedelta(days=rng.randint(0, 120) + i * 7)
        c = services.commitment_create(
            actor=actor, member=member, content=content, target_date=target, year=year
        )
        created += 1
        if state == "draft":
            continue
        c = services.commitment_submit(actor=actor, commitment=c)
        if state == "submitted":
            continue
        if state == "returned":
            services.commitment_return(
                actor=secretary,
                commitment=c,
                note="请写明每月具体帮助几位老人、在什么地点开展，便于群众监督。",
            )
            continue
        if state == "withdrawn":
            services.commitment_withdraw(actor=actor, commitment=c, note="工作调动，本人申请撤回。")
            continue
        c = services.commitment_approve(actor=secretary, commitment=c, note="内容具体可行，同意。")
        for k, note in enumerate(PROGRESS[: rng.randint(1, 3)]):
            services.progress_add(
                actor=actor, commitment=c, on=_day(year, today, 3 + k * 2, 10 + i), note=note
            )
        if state == "done":
            services.commitment_complete(
                actor=secretary,
                commitment=c,
                done=True,
                completed_on=_day(year, today, 9 + i % 3, 20),
                note="已按承诺完成，居民评价满意。",
            )
        elif state == "not_done":
            services.commitment_complete(
                actor=secretary,
                commitment=c,
                done=False,
                note="物业资金未落实，已向街道反映，转入下一年度继续跟进。",
            )
        for k in range(rng.randint(2, 5)):
            services.evaluation_add(
                commitment=c,
                rating=rng.choice(["satisfied", "satisfied", "satisfied", "fairly", "unsatisfied"]),
                comment=rng.choice(COMMENTS),
                visitor=services.visitor_hash(f"demo-{i}-{k}"),
            )
    _ensure_posts(branch, secretary, member_user, members, today, rng)
    return created


def _ensure_posts(branch, secretary, member_user, members, today, rng) -> None:
    if ServicePost.objects.filter(organization=branch).exists():
        return
    distinct = list(dict.fromkeys(members))
    since = max(date(today.year, 1, 1), today - timedelta(days=150))
    for p, (title, duties, places) in enumerate(POSTS):
        post = services.post_create(
            actor=secretary, organization=branch, title=title, duties=duties, places=places
        )
        holders = distinct[p * 2 : p * 2 + 2]
        for k, member in enumerate(holders):
            holder = services.post_assign(actor=secretary, post=post, member=member, since=since)
            for n in range(rng.randint(1, 3)):
                on = min(today, since + timedelta(days=20 + 30 * n + k))
                services.post_log_add(
                    actor=secretary, holder=holder, on=on, note=LOGS[(p + n + k) % len(LOGS)]
                )
    # One application waiting for the branch.
    post = ServicePost.objects.filter(organization=branch, title=POSTS[2][0]).first()
    applicant = distinct[6] if len(distinct) > 6 else None
    if post is not None and applicant is not None:
        actor = secretary
        if member_user is not None and applicant.user_id == member_user.pk:
            actor = member_user
        services.post_apply(actor=actor, post=post, member=applicant, note="本人熟悉小区老人情况。")
