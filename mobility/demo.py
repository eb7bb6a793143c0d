"""Demo data of the certificate workflow: members of a 阆中 branch working in
杭州, their certificates in every state, two checked in at the 西湖区 mobile
members' branch with three months of entries, one back home. Idempotent."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from branches.models import Organization, Role, RoleAssignment, User
from members.models import DuesPayment, Member

from . import services
from .models import Certificate, Episode

OUTFLOW_CODE = "SC-NC-LZ-T1-01"
INFLOW_USER = ("hz_mobile_secretary", "吴海峰")
DESTINATIONS = [
    ("浙江省杭州市西湖区", "杭州某电子商务有限公司", "文三路"),
    ("浙江省杭州市滨江区", "杭州某网络科技有限公司", "江南大道"),
    ("浙江省杭州市余杭区", "杭州某物流有限公司", "五常大道"),
    ("浙江省杭州市拱墅区", "杭州某建筑工程有限公司", "湖墅南路"),
    ("浙江省杭州市上城区", "杭州某餐饮管理有限公司", "解放路"),
    ("浙江省杭州市西湖区", "杭州某服装有限公司", "天目山路"),
]
# The last step each member's certificate reaches.
STATES = ["requested", "stamped", "issued", "checked_in", "checked_in", "returned"]


def _months_back(today: date, n: int) -> date:
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _inflow_secretary(inflow: Organization, admin: User) -> User:
    from branches.services import role_assign

    username, name = INFLOW_USER
    user, created = User.objects.get_or_create(
        username=username, defaults={"name": name, "email": f"{username}@example.org"}
    )
    if created:
        from branches.management.commands.seed_demo import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if not RoleAssignment.objects.active().filter(user=user, organization=inflow).exists():
        role_assign(
            actor=admin,
            user=user,
            role=Role.SECRETARY,
            organization=inflow,
            valid_from=date(2024, 1, 1),
        )
    return user


def ensure_mobility(seed: int = 0) -> int:
    """Create the demo episodes once; return how many episodes were created."""
    branch = Organization.objects.filter(code=OUTFLOW_CODE).first()
    inflow = Organization.objects.filter(is_mobile_org=True, code__startswith="ZJ-").first()
    if branch is None or inflow is None or Episode.objects.filter(outflow_branch=branch).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    admin = User.objects.get(username="admin")
    secretary = User.objects.get(username="lz_secretary")
    committee_actor = User.objects.filter(username="sc_org").first() or admin
    inflow_secretary = _inflow_secretary(inflow, admin)
    today = timezone.localdate()
    members = list(Member.objects.current().filter(branch=branch).order_by("pk")[: len(STATES)])
    created = 0
    for i, (member, state) in enumerate(zip(members, STATES, strict=False)):
        region, employer, street = DESTINATIONS[i]
        started = _months_back(today, 4) + timedelta(days=rng.randint(0, 9))
        episode = services.episode_create(
            actor=secretary,
            member=member,
            reason="employment",
            destination_region=region,
            destination_employer=employer,
            destination_address=f"{region}{street}{rng.randint(1, 300)}号",
            contact=f"139{rng.randint(10000000, 99999999)}",
            reported_on=started - timedelta(days=7),
            started_on=started,
            expected_return=date(today.year + 1, 1, 31),
        )
        created += 1
        cert = services.certificate_request(actor=secretary, episode=episode)
        if state == "requested":
            continue
        services.certificate_stamp(actor=committee_actor, certificate=cert)
        if state == "stamped":
            continue
        cert = services.certificate_issue(actor=secretary, certificate=cert)
        if state == "issued":
            continue
        cert = services.certificate_check_in(
            actor=inflow_secretary,
            number=cert.number,
            code=cert.verification_code,
            inflow_organization=inflow,
            basis="mobile_org",
        )
        _backdate(cert)  # checked in days after leaving, before the entries below
        if state == "returned":
            services.certificate_return(
                actor=secretary,
                certificate=cert,
                returned_on=today - timedelta(days=3),
                review="外出期间遵守纪律，积极参加流入地党组织活动，表现良好。",
            )
            continue
        months = [_months_back(today, back) for back in (2, 1, 0)]
        # Away, the member pays at the inflow organisation, not at home.
        DuesPayment.objects.filter(
            member=member, period_start__in=months, received_by=branch
        ).delete()
        for month in months:
            day = min(month.replace(day=10), today)
            services.entry_org_life(
                actor=inflow_secretary,
                certificate=cert,
                on=day,
                description=f"{month.month}月主题党日：学习党的创新理论",
            )
            services.entry_dues(
                actor=inflow_secretary,
                certificate=cert,
                period_start=month,
                months=1,
                amount=Decimal(rng.choice(["12.00", "18.50", "25.00", "30.00"])),
                paid_on=day,
            )
    for cert in Certificate.objects.filter(episode__outflow_branch=branch):
        _backdate(cert)
    return created


STEP_DAYS = {"requested_at": 0, "stamped_at": 2, "issued_at": 3, "checked_in_at": 12}


def _backdate(cert: Certificate) -> None:
    """The steps ran just now; date them as they would have happened, in the
    days after the member reported leaving."""
    cert = Certificate.objects.select_related("episode").get(pk=cert.pk)
    base = timezone.make_aware(
        datetime.combine(cert.episode.reported_on, datetime.min.time())
    ) + timedelta(hours=10)
    changes = {
        field: base + timedelta(days=days)
        for field, days in STEP_DAYS.items()
        if getattr(cert, field) is not None
    }
    Certificate.objects.filter(pk=cert.pk).update(**changes)
