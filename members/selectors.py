"""Reads on member records. Everything goes through visible_to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import (
    DuesPayment,
    FlagKind,
    Member,
    MemberFlag,
    MemberStatus,
    Transfer,
    TransferStatus,
)


def member_list(
    user,
    *,
    q: str = "",
    status: str = "",
    sector: str = "",
    flag: str = "",
    branch=None,
    include_left: bool = False,
):
    members = Member.objects.visible_to(user).select_related("branch")
    if not include_left:
        members = members.filter(left_on__isnull=True)
    if branch is not None:
        members = members.filter(branch__path__descendant_of=branch.path)
    if q:
        members = members.filter(Q(name__icontains=q) | Q(phone__icontains=q))
    if status in MemberStatus.values:
        members = members.filter(status=status)
    if sector:
        members = members.filter(employer_sector=sector)
    if flag in FlagKind.values:
        members = members.filter(
            Exists(
                MemberFlag.objects.filter(member=OuterRef("pk"), kind=flag, cleared_on__isnull=True)
            )
        )
    return members.order_by("branch__path", "name")


def conversions_due(user, *, before: date | None = None):
    """Probationary members whose conversion falls due (by default within 60 days)."""
    before = before or timezone.localdate() + timezone.timedelta(days=60)
    return (
        Member.objects.visible_to(user)
        .filter(status=MemberStatus.PROBATIONARY, left_on__isnull=True, conversion_due__lte=before)
        .select_related("branch")
        .order_by("conversion_due")
    )


def transfers_for(user, *, pending_only: bool = False):
    transfers = Transfer.objects.visible_to(user).select_related(
        "member", "from_branch", "to_branch", "requested_by"
    )
    if pending_only:
        transfers = transfers.filter(status=TransferStatus.PENDING)
    return transfers.order_by("-requested_at")


def month_start(day: date) -> date:
    return day.replace(day=1)


def dues_arrears(user, *, as_of: date | None = None, months: int = 3):
    """Current members with no dues recorded covering any of the last `months` months."""
    as_of = as_of or timezone.localdate()
    first = month_start(as_of)
    starts = []
    for _ in range(months):
        first = (first - timezone.timedelta(days=1)).replace(day=1)
        starts.append(first)
    covered = DuesPayment.objects.filter(member=OuterRef("pk"))
    unpaid = Q()
    for start in starts:
        quarter_start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
        unpaid |= ~Exists(
            covered.filter(Q(period_start=start) | Q(period_start=quarter_start, months=3))
        )
    return (
        Member.objects.visible_to(user)
        .filter(left_on__isnull=True)
        .filter(unpaid)
        .select_related("branch")
        .order_by("branch__path", "name")
    )


@dataclass(frozen=True)
class Privacy:
    """What a member may know about who sees and handles their record."""

    member: Member
    roles: list  # RoleAssignment: people whose role reaches the member's branch
    grants: list  # (user, until) object grants on the branch (e.g. a spot-check)
    reveals: list  # IdReveal: who saw the full ID-card number
    changes: list  # pghistory events of the record, with who made them


def privacy_of(user) -> Privacy | None:
    """For the member's own page "谁能看到我的信息" (document-free: data
    protection). The member's own record through `visible_to`; the people
    whose roles reach their branch are read for this member only."""
    from guardian.models import UserObjectPermission

    from branches.models import RoleAssignment, User

    member = Member.objects.visible_to(user).filter(user=user).select_related("branch").first()
    if member is None:
        return None
    branch = member.branch
    ancestors = [int(pk) for pk in branch.path.split(".")]
    roles = list(
        RoleAssignment.objects.active()
        .filter(organization_id__in=ancestors)
        .exclude(role="member")
        .select_related("user", "organization")
        .order_by("organization__depth", "role", "user__name")
    )
    grant_users = (
        UserObjectPermission.objects.filter(
            content_type__app_label="branches",
            content_type__model="organization",
            object_pk=str(branch.pk),
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    grants = list(User.objects.filter(pk__in=list(grant_users)).order_by("name"))
    reveals = list(member.id_reveals.select_related("user").order_by("-at")[:50])
    changes = list(member.events.order_by("-pgh_created_at").select_related("pgh_context")[:50])
    users = {
        (event.pgh_context.metadata or {}).get("user")
        for event in changes
        if event.pgh_context is not None
    }
    names = dict(User.objects.filter(pk__in=[u for u in users if u]).values_list("pk", "name"))
    for event in changes:
        meta = (event.pgh_context.metadata or {}) if event.pgh_context is not None else {}
        event.by_name = names.get(meta.get("user"), "")
        event.action = meta.get("action", "")
    return Privacy(member=member, roles=roles, grants=grants, reveals=reveals, changes=changes)
