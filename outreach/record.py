"""A member's record of serving the masses in a year (document 2): commitments,
pairings and their visits, service posts, volunteering, research days (for
leaders) and, for those who look after the member, care received.

Every read goes through `visible_to(user)`: the member sees the record on
the own portal, the branch and organisation departments on the member page
and in the democratic review.

Care received (help to a member in hardship) is the organisation's ledger,
not a deed of the member: it is shown only to users whose role reaches the
member's branch, never on the member's own portal nor in the democratic
review summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from branches import scoping
from members.models import Member

from .models import (
    PUBLIC_COMMITMENT,
    CareRecord,
    Commitment,
    Pairing,
    PairingVisit,
    PostHolder,
    VolunteerKind,
    VolunteerRecord,
)
from .selectors_research import LeaderYear, leader_totals

ZERO = Decimal("0")
PENDING_COMMITMENT = ("draft", "submitted", "returned")
HELD_POST = ("active", "ended")


@dataclass
class MemberRecord:
    member: Member
    year: int
    commitments_made: int = 0
    commitments_fulfilled: int = 0
    commitments_not_fulfilled: int = 0
    commitments_pending: int = 0
    pairings_open: int = 0
    pairings_ended: int = 0
    pairing_visits: int = 0
    posts: list = field(default_factory=list)
    volunteering: list = field(default_factory=list)  # (label, hours, times)
    volunteer_hours: Decimal = ZERO
    research: LeaderYear | None = None
    care_shown: bool = False
    care_times: int = 0
    care_amount: Decimal = ZERO


def may_see_care(user, member: Member) -> bool:
    """A role reaching the member's branch (not the member role on it)."""
    return scoping.scope_for(user, scoping.VIEW).covers_path(member.branch.path)


def _bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def member_record(user, member: Member, year: int, care: bool = True) -> MemberRecord:
    """The member's outreach record of `year` as `user` may see it (about seven
    queries, whatever the numbers)."""
    first, last = _bounds(year)
    record = MemberRecord(member=member, year=year)
    c = (
        Commitment.objects.visible_to(user)
        .filter(member=member, year=year)
        .aggregate(
            made=Count("pk", filter=Q(status__in=PUBLIC_COMMITMENT)),
            fulfilled=Count("pk", filter=Q(status="done")),
            not_fulfilled=Count("pk", filter=Q(status="not_done")),
            pending=Count("pk", filter=Q(status__in=PENDING_COMMITMENT)),
        )
    )
    record.commitments_made = c["made"]
    record.commitments_fulfilled = c["fulfilled"]
    record.commitments_not_fulfilled = c["not_fulfilled"]
    record.commitments_pending = c["pending"]
    p = (
        Pairing.objects.visible_to(user)
        .filter(member=member, started_on__lte=last)
        .aggregate(
            open=Count("pk", filter=Q(ended_on__isnull=True)),
            ended=Count("pk", filter=Q(ended_on__gte=first, ended_on__lte=last)),
        )
    )
    record.pairings_open = p["open"]
    record.pairings_ended = p["ended"]
    record.pairing_visits = (
        PairingVisit.objects.visible_to(user)
        .filter(pairing__member=member, on__gte=first, on__lte=last)
        .count()
    )
    record.posts = list(
        PostHolder.objects.visible_to(user)
        .filter(member=member, status__in=HELD_POST)
        .filter(Q(since__isnull=True) | Q(since__lte=last))
        .filter(Q(until__isnull=True) | Q(until__gte=first))
        .select_related("post", "post__organization")
        .order_by("since", "pk")
    )
    labels = dict(VolunteerKind.choices)
    total = ZERO
    for row in (
        VolunteerRecord.objects.visible_to(user)
        .filter(member=member, on__gte=first, on__lte=last)
        .order_by()
        .values("kind")
        .annotate(hours=Sum("hours"), times=Count("pk"))
        .order_by("-hours", "kind")
    ):
        record.volunteering.append(
            (labels.get(row["kind"], row["kind"]), row["hours"], row["times"])
        )
        total += row["hours"] or ZERO
    record.volunteer_hours = total
    if member.leadership_level:
        rows = leader_totals(Member.objects.visible_to(user).filter(pk=member.pk), year, user)
        record.research = rows[0] if rows else None
    if care and may_see_care(user, member):
        record.care_shown = True
        agg = (
            CareRecord.objects.visible_to(user)
            .filter(member=member, on__gte=first, on__lte=last)
            .aggregate(times=Count("pk"), amount=Sum("amount"))
        )
        record.care_times = agg["times"]
        record.care_amount = agg["amount"] or ZERO
    return record


@dataclass
class Summary:
    commitments_made: int = 0
    commitments_fulfilled: int = 0
    pairings_open: int = 0
    posts: int = 0
    volunteer_hours: Decimal = ZERO
    research: LeaderYear | None = None


def member_summaries(user, members, year: int) -> dict[int, Summary]:
    """A short record per member for lists such as the democratic review (six
    queries, whatever the number of members). No care received."""
    first, last = _bounds(year)
    members = list(members)
    ids = [m.pk for m in members]
    out = {pk: Summary() for pk in ids}
    for row in (
        Commitment.objects.visible_to(user)
        .filter(member_id__in=ids, year=year)
        .order_by()
        .values("member_id")
        .annotate(
            made=Count("pk", filter=Q(status__in=PUBLIC_COMMITMENT)),
            fulfilled=Count("pk", filter=Q(status="done")),
        )
    ):
        out[row["member_id"]].commitments_made = row["made"]
        out[row["member_id"]].commitments_fulfilled = row["fulfilled"]
    for row in (
        Pairing.objects.visible_to(user)
        .filter(member_id__in=ids, started_on__lte=last, ended_on__isnull=True)
        .order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
    ):
        out[row["member_id"]].pairings_open = row["n"]
    for row in (
        PostHolder.objects.visible_to(user)
        .filter(member_id__in=ids, status__in=HELD_POST)
        .filter(Q(since__isnull=True) | Q(since__lte=last))
        .filter(Q(until__isnull=True) | Q(until__gte=first))
        .order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
    ):
        out[row["member_id"]].posts = row["n"]
    for row in (
        VolunteerRecord.objects.visible_to(user)
        .filter(member_id__in=ids, on__gte=first, on__lte=last)
        .order_by()
        .values("member_id")
        .annotate(hours=Sum("hours"))
    ):
        out[row["member_id"]].volunteer_hours = row["hours"] or ZERO
    leader_ids = [m.pk for m in members if m.leadership_level]
    if leader_ids:
        for row in leader_totals(
            Member.objects.visible_to(user).filter(pk__in=leader_ids), year, user
        ):
            out[row.member.pk].research = row
    return out
