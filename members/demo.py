"""Demo member records: realistic names and ID-card numbers, deterministic by seed.

Called by `seed_demo`; idempotent (records are keyed by the ID-card hash).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from branches.models import Organization, OrgKind, Sector, User

from . import idcard
from .models import DuesPayment, FlagKind, Member, MemberFlag, MemberStatus, Transfer
from .services import one_year_after

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕晓东红梅玉春庆德文丹婷雪卫永"
ETHNICITIES = ["汉族"] * 18 + ["回族", "彝族", "藏族", "满族", "土家族", "畲族"]
EDUCATION = (
    ["bachelor"] * 4
    + ["college"] * 3
    + ["postgraduate", "high_school", "junior_or_below", "secondary_vocational"]
)
# Area codes of the demo counties (first six digits of an ID-card number).
AREA = {
    "ZJ": ["330106", "330110", "330381", "330324"],
    "SC": ["510107", "510116", "511302", "511381"],
}


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given[:2]


def _id_number(rng: random.Random, area: str, born: date, male: bool) -> str:
    seq = rng.randint(0, 99) * 10 + (
        rng.choice([1, 3, 5, 7, 9]) if male else rng.choice([0, 2, 4, 6, 8])
    )
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + idcard.check_char(first17)


def _member_sector(branch: Organization, rng: random.Random) -> str:
    # Village and community members work everywhere; others mostly where their branch is.
    if branch.sector in (Sector.RURAL, Sector.COMMUNITY):
        return rng.choice([branch.sector] * 6 + [Sector.PRIVATE_ENTERPRISE, Sector.OTHER])
    return branch.sector


@transaction.atomic
def ensure_members(seed: int, actor: User, today: date | None = None) -> int:
    """About 14 members a branch in the small tree (about 3,000), with dues,
    flags, probationary members and transfers. Returns how many were created."""
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    today = today or timezone.localdate()
    existing = set(Member.objects.values_list("id_number_hash", flat=True))
    branches = list(
        Organization.objects.filter(
            kind=OrgKind.BRANCH,
            dissolved__isnull=True,
            province__code__in=AREA,  # the small tree; see ensure_province_members
        )
        .select_related("province")
        .order_by("code")
    )
    new: list[Member] = []
    for branch in branches:
        province_code = branch.province.code
        areas = AREA.get(province_code, ["370102"])
        for _ in range(rng.randint(8, 20)):
            male = rng.random() < 0.7
            born = date(rng.randint(1945, 2001), rng.randint(1, 12), rng.randint(1, 28))
            number = _id_number(rng, rng.choice(areas), born, male)
            digest = idcard.keyed_hash(number)
            joined = born + timedelta(
                days=rng.randint(18 * 365 + 5, 24 * 365 + 5 + (today - born).days // 3)
            )
            joined = min(joined, today - timedelta(days=30))
            # Draw everything before deciding to skip: the same seed must give the
            # same people on every run, so a second run adds nobody.
            name, ethnicity = _name(rng), rng.choice(ETHNICITIES)
            education, sector = rng.choice(EDUCATION), _member_sector(branch, rng)
            phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
            if digest in existing or joined <= born:
                continue
            existing.add(digest)
            probationary = (today - joined).days < 365
            new.append(
                Member(
                    name=name,
                    gender="male" if male else "female",
                    birth_date=born,
                    ethnicity=ethnicity,
                    education=education,
                    phone=phone,
                    id_number_encrypted=idcard.encrypt(number),
                    id_number_hash=digest,
                    id_number_masked=idcard.mask(number),
                    joined_on=joined,
                    status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                    conversion_due=one_year_after(joined) if probationary else None,
                    full_since=None if probationary else one_year_after(joined),
                    branch=branch,
                    province_id=branch.province_id,
                    employer_sector=sector,
                )
            )
    Member.objects.bulk_create(new, batch_size=2000)
    if new:
        _dues_flags_and_transfers(rng, new, actor, today)
    return len(new)


def _dues_flags_and_transfers(rng, members, actor, today) -> None:
    this_month = today.replace(day=1)
    months = []
    month = this_month
    for _ in range(6):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    dues, flags = [], []
    for member in members:
        in_arrears = rng.random() < 0.08
        amount = Decimal(rng.choice(["0.20", "0.50", "1.00", "5.00", "12.00", "20.00", "35.50"]))
        for start in months[2 if in_arrears else 0 :]:
            if start < member.joined_on.replace(day=1):
                continue
            dues.append(
                DuesPayment(
                    member=member,
                    period_start=start,
                    amount=amount,
                    paid_on=start + timedelta(days=rng.randint(1, 25)),
                    received_by_id=member.branch_id,
                    recorded_by=actor,
                )
            )
        age = (today - member.birth_date).days // 365
        if age >= 75 and rng.random() < 0.5:
            flags.append(
                MemberFlag(
                    member=member,
                    kind=FlagKind.AGED_INFIRM,
                    set_on=today - timedelta(days=200),
                    set_by=actor,
                    note="行动不便，送学上门",
                )
            )
        if rng.random() < 0.03:
            flags.append(
                MemberFlag(
                    member=member,
                    kind=FlagKind.HARDSHIP,
                    set_on=today - timedelta(days=90),
                    set_by=actor,
                )
            )
        if rng.random() < 0.06:
            flags.append(
                MemberFlag(
                    member=member,
                    kind=FlagKind.PARTY_WORKER,
                    set_on=date(today.year - 1, 3, 1),
                    set_by=actor,
                )
            )
    DuesPayment.objects.bulk_create(dues, batch_size=5000)
    MemberFlag.objects.bulk_create(flags, batch_size=2000)
    # Sichuan members who work in Hangzhou ask to move to the inflow branch there.
    inflow = Organization.objects.filter(code="ZJ-HZ-XH-LD").first()
    if inflow is not None:
        movers = [m for m in members if m.branch.code.startswith("SC-NC-")][:3]
        for member in movers:
            Transfer.objects.create(
                member=member,
                from_branch=member.branch,
                to_branch=inflow,
                note="在杭州务工，申请转入流动党员党支部",
                requested_by=actor,
                due_by=today + timedelta(days=30),
            )


def link_logins(pairs: list[tuple[str, str]], actor: User) -> None:
    """Give demo logins a member record in the branch where they hold a role."""
    from branches.models import RoleAssignment

    for username, branch_code in pairs:
        user = User.objects.filter(username=username).first()
        if user is None or Member.objects.filter(user=user).exists():
            continue
        member = (
            Member.objects.filter(branch__code=branch_code, user__isnull=True, left_on__isnull=True)
            .order_by("pk")
            .first()
        )
        if member is None:
            continue
        member.user = user
        member.name = user.name or member.name
        member.save(update_fields=["user", "name", "updated_at"])
        if not RoleAssignment.objects.filter(
            user=user, role="member", organization=member.branch
        ).exists():
            RoleAssignment.objects.create(
                user=user,
                role="member",
                organization=member.branch,
                valid_from=date(2024, 1, 1),
                granted_by=actor,
            )


COPY_COLUMNS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "phone",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "joined_on",
    "status",
    "conversion_due",
    "full_since",
    "branch_id",
    "province_id",
    "employer_sector",
    "leadership_level",
    "left_reason",
    "created_at",
    "updated_at",
)


def ensure_province_members(seed: int, province_code: str = "SD", per_branch: int = 20) -> int:
    """About 10^6 members for the province-scale tree, written with COPY.

    Idempotent: a province that already has members is left alone. The insert
    audit trigger is skipped for this bulk load (demo data, not user writes).
    """
    import pgtrigger
    from django.db import connection

    province = Organization.objects.filter(code=province_code).first()
    if province is None or Member.objects.filter(province=province).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    today = timezone.localdate()
    now = timezone.now()
    branches = list(
        Organization.objects.filter(province=province, kind=OrgKind.BRANCH)
        .order_by("path")
        .values_list("pk", "sector")
    )
    areas = [f"37{c:02d}{k:02d}" for c in range(1, 17) for k in range(1, 9)]
    sql = f"COPY members_member ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    # The audit trigger is switched off for this load: its per-row
    # subtransaction makes AFTER triggers quadratic in a million-row COPY.
    model, trigger = pgtrigger.registered("members.Member:insert_insert")[0]
    trigger_name = trigger.get_pgid(model)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE members_member DISABLE TRIGGER "{trigger_name}"')
        with cursor.cursor.copy(sql) as copy:
            total = _copy_members(copy, rng, branches, per_branch, areas, province, today, now)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred FK checks now
        cursor.execute(f'ALTER TABLE members_member ENABLE TRIGGER "{trigger_name}"')
    return total


def _copy_members(copy, rng, branches, per_branch, areas, province, today, now) -> int:
    seen: set[str] = set()
    total = 0
    for branch_id, branch_sector in branches:
        for _ in range(per_branch):
            male = rng.random() < 0.7
            born = date(rng.randint(1945, 2001), rng.randint(1, 12), rng.randint(1, 28))
            number = _id_number(rng, rng.choice(areas), born, male)
            while number in seen:
                number = _id_number(rng, rng.choice(areas), born, male)
            seen.add(number)
            joined = min(
                born + timedelta(days=rng.randint(18 * 365 + 5, 40 * 365)),
                today - timedelta(days=30),
            )
            if joined <= born:
                joined = born + timedelta(days=18 * 365 + 5)
            probationary = (today - joined).days < 365
            copy.write_row(
                (
                    _name(rng),
                    "male" if male else "female",
                    born,
                    rng.choice(ETHNICITIES),
                    rng.choice(EDUCATION),
                    f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                    idcard.encrypt(number),
                    idcard.keyed_hash(number),
                    idcard.mask(number),
                    joined,
                    MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                    one_year_after(joined) if probationary else None,
                    None if probationary else one_year_after(joined),
                    branch_id,
                    province.pk,
                    branch_sector
                    if branch_sector not in (Sector.RURAL, Sector.COMMUNITY)
                    else rng.choice([branch_sector] * 6 + [Sector.PRIVATE_ENTERPRISE]),
                    "",
                    "",
                    now,
                    now,
                )
            )
            total += 1
    return total
