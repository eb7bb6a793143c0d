"""Demo review campaigns (document 1, 二（二）3) in the branches of 西湖区's
first township (ZJ-HZ-XH-T1), entered through the services:

- last year's democratic review, closed: ratings mostly 合格/优秀, a few
  基本合格, one 不合格 with organisational handling; one branch left
  incomplete and closed by the cycle;
- this year's democratic review, open, some steps done;
- a party-spirit analysis arranged by the 杭州 city committee for this year,
  its campaigns opened across the city and partly done in that township.

Idempotent: a campaign that already has steps is left alone."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import Organization, User
from members import services as member_services
from members.models import Member

from . import services
from .models import STEPS, Campaign, CampaignKind, PartySpiritSchedule, Rating

TOWNSHIP = "ZJ-HZ-XH-T1"
CITY = "ZJ-HZ"

STEP_NOTES = {
    "mobilisation": "召开动员会，学习党章和上级通知，明确评议要求。",
    "opinions": "发放征求意见表，召开群众代表座谈会，收集意见建议。",
    "talks": "支部委员与党员逐一谈心，党员之间相互谈心。",
    "self_analysis": "党员对照党章撰写党性分析材料，支部审阅。",
    "meeting": "召开专题组织生活会，开展批评和自我批评。",
    "evaluation": "党员自评、互评，支部综合评议。",
    "rectification": "针对查摆问题制定整改措施，明确时限。",
    "notification": "在党务公开栏和党员大会上通报评议情况。",
}
OPINIONS = [
    "群众反映支部党员服务意识强，希望进一步加强与居民的联系。",
    "群众希望党员在垃圾分类、邻里调解中多带头。",
    "群众建议党员公开承诺事项的落实情况要及时通报。",
]
MEMBER_OPINIONS = {
    Rating.EXCELLENT: "理想信念坚定，带头参加组织生活，服务群众成效明显。",
    Rating.QUALIFIED: "能按时参加组织生活，履行党员义务，作用发挥较好。",
    Rating.BASIC: "参加组织生活不够经常，先锋模范作用发挥不明显。",
    Rating.UNQUALIFIED: "长期不参加组织生活，经教育仍未改正。",
}


def _at(day: date, hour: int = 19) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _actor(branch: Organization, secretary: User, staff: User) -> User:
    return secretary if branch.code == f"{TOWNSHIP}-01" else staff


def _meeting(actor, branch, day: date, title: str):
    try:
        return services.activity_create(
            actor=actor,
            organization=branch,
            kind="org_life",
            title=title,
            starts_at=_at(day),
            hours=Decimal("3"),
            place="党员活动室",
            reason="补录专题组织生活会",
        )
    except (ValidationError, TypeError):
        return None


def _steps(actor, campaign, steps, start: date) -> None:
    for i, step in enumerate(steps):
        services.campaign_step_record(
            actor=actor,
            campaign=campaign,
            step=step,
            done_on=start + timedelta(days=4 * i),
            notes=STEP_NOTES[str(step)],
        )


def _last_year(rng, branches, secretary, staff, year: int) -> None:
    services.campaigns_open(
        kind=CampaignKind.DEMOCRATIC_REVIEW, year=year, branch_ids=[b.pk for b in branches]
    )
    unqualified_done = False
    for n, branch in enumerate(branches):
        campaign = Campaign.objects.get(
            kind=CampaignKind.DEMOCRATIC_REVIEW, organization=branch, year=year
        )
        if campaign.status == "closed" or campaign.steps.exists():
            continue
        # Opened by last year's cycle (the demo creates it today).
        Campaign.objects.filter(pk=campaign.pk).update(opened_at=_at(date(year, 11, 1), 9))
        campaign.refresh_from_db()
        actor = _actor(branch, secretary, staff)
        incomplete = n == len(branches) - 1
        steps = STEPS[CampaignKind.DEMOCRATIC_REVIEW]
        _steps(actor, campaign, steps[:2] if incomplete else steps, date(year, 12, 1))
        meeting = _meeting(actor, branch, date(year, 12, 5), f"{year}年度专题组织生活会")
        services.campaign_update(
            actor=actor,
            campaign=campaign,
            mass_opinions=rng.choice(OPINIONS),
            meeting=meeting,
            comprehensive_opinion="支部班子团结，党员整体表现良好，评议程序规范。",
        )
        members = list(Member.objects.filter(branch=branch, left_on__isnull=True).order_by("name"))
        # One member without a login is rated unqualified, in the first complete branch.
        weak = next((m for m in reversed(members) if m.user_id is None), None)
        entries = {}
        for i, member in enumerate(members):
            if incomplete and i % 2:
                continue
            roll = rng.random()
            rating = (
                Rating.EXCELLENT
                if roll < 0.25
                else Rating.BASIC
                if roll > 0.93
                else Rating.QUALIFIED
            )
            if member.user_id is not None:
                rating = Rating.QUALIFIED
            if not unqualified_done and not incomplete and member == weak:
                rating = Rating.UNQUALIFIED
            entries[member.pk] = {
                "rating": rating,
                "opinion": MEMBER_OPINIONS[rating],
                "rectification": "加强学习，按时参加组织生活。" if rating == Rating.BASIC else "",
            }
        services.evaluations_save(actor=actor, campaign=campaign, entries=entries)
        for member_id, entry in entries.items():
            if entry["rating"] == Rating.UNQUALIFIED:
                unqualified_done = True
                member_services.handling_record(
                    actor=actor,
                    member=Member.objects.get(pk=member_id),
                    stage="criticism",
                    reason=f"民主评议不合格（{year}）：长期不参加组织生活，进行批评教育。",
                    on=date(year, 12, 20),
                )
        if incomplete:
            services.campaign_close(actor=None, campaign=campaign)  # the yearly cycle
        else:
            services.campaign_close(actor=actor, campaign=campaign)


def _this_year(rng, branches, secretary, staff, year: int, today: date) -> None:
    services.campaigns_open(
        kind=CampaignKind.DEMOCRATIC_REVIEW, year=year, branch_ids=[b.pk for b in branches]
    )
    for n, branch in enumerate(branches):
        campaign = Campaign.objects.get(
            kind=CampaignKind.DEMOCRATIC_REVIEW, organization=branch, year=year
        )
        if campaign.steps.exists() or n % 3 == 2:
            continue
        actor = _actor(branch, secretary, staff)
        steps = STEPS[CampaignKind.DEMOCRATIC_REVIEW][: 1 + n % 2]
        _steps(actor, campaign, steps, today - timedelta(days=20))
        services.campaign_update(actor=actor, campaign=campaign, mass_opinions=rng.choice(OPINIONS))


def _party_spirit(rng, branches, secretary, staff, year: int, today: date) -> None:
    city = Organization.objects.filter(code=CITY).first()
    city_staff = User.objects.filter(username="zj_org").first()
    if city is None or city_staff is None:
        return
    if not PartySpiritSchedule.objects.filter(committee=city, year=year).exists():
        try:
            services.party_spirit_schedule(
                actor=city_staff,
                committee=city,
                year=year,
                notes="市委统一部署，全市基层党组织集中开展党员党性分析评议活动，年底前完成。",
            )
        except ValidationError:
            return
    for n, branch in enumerate(branches):
        campaign = Campaign.objects.filter(
            kind=CampaignKind.PARTY_SPIRIT, organization=branch, year=year
        ).first()
        if campaign is None or campaign.steps.exists():
            continue
        actor = _actor(branch, secretary, staff)
        steps = STEPS[CampaignKind.PARTY_SPIRIT][: 3 + n % 3]
        _steps(actor, campaign, steps, today - timedelta(days=40))
        members = list(Member.objects.filter(branch=branch, left_on__isnull=True).order_by("name"))
        entries = {}
        for member in members[: len(members) // 2]:
            entry = {
                "self_analysis_done": True,
                "opinion": "对照党章查找问题较深入，整改措施具体。",
                "rating": Rating.QUALIFIED,
            }
            if member.leadership_level:
                entry["leader_analysis"] = (
                    "从正确政绩观方面剖析，从权力观、地位观和利益观方面查找不足，"
                    "坚持参加双重组织生活。"
                )
            entries[member.pk] = entry
        if entries:
            services.evaluations_save(actor=actor, campaign=campaign, entries=entries)


def ensure_campaigns(seed: int = 0) -> int:
    """Returns how many campaigns were new."""
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    secretary = User.objects.filter(username="xh_secretary").first()
    staff = User.objects.filter(username="xh_org").first()
    if secretary is None or staff is None:
        return 0
    branches = list(
        Organization.objects.filter(
            code__startswith=f"{TOWNSHIP}-",
            kind__in=services.GRASSROOTS_KINDS,
            dissolved__isnull=True,
        ).order_by("code")
    )
    if not branches:
        return 0
    today = timezone.localdate()
    before = Campaign.objects.count()
    _last_year(rng, branches, secretary, staff, today.year - 1)
    _this_year(rng, branches, secretary, staff, today.year, today)
    _party_spirit(rng, branches, secretary, staff, today.year, today)
    return Campaign.objects.count() - before
