"""Reads of leaders' research at the grassroots (document 2, 二（五）).

Required days a year = months by level × days per month, the policies in
force for the leader's branch (at the year's end, or today in the current
year): provincial/ministerial `research_months_provincial` (1), city and
county `research_months_city_county` (2), `research_days_per_month` (30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.policies import policies_for_organizations
from members.models import Member

from .models import ContactPoint, ResearchVisit

ZERO = Decimal("0")
LEVEL_MONTHS_KEY = {
    "provincial": "research_months_provincial",
    "city": "research_months_city_county",
    "county": "research_months_city_county",
}


def policy_day(year: int, on: date | None = None) -> date:
    today = on or timezone.localdate()
    return min(today, date(year, 12, 31)) if year >= today.year else date(year, 12, 31)


def requirement(level: str, figures: dict) -> tuple[int, int, Decimal]:
    """(months, days per month, required days) for a leadership level."""
    key = LEVEL_MONTHS_KEY.get(level)
    if key is None:
        return 0, int(figures["research_days_per_month"]), ZERO
    months = int(figures[key])
    per_month = int(figures["research_days_per_month"])
    return months, per_month, Decimal(months * per_month)


@dataclass
class LeaderYear:
    member: Member
    year: int
    months: int
    days_per_month: int
    required: Decimal
    done: Decimal
    at_contact_points: Decimal
    in_hardship: Decimal
    visits: int

    @property
    def owed(self) -> Decimal:
        return max(self.required - self.done, ZERO)

    @property
    def short(self) -> bool:
        return self.owed > 0

    @property
    def share_contact_points(self) -> int:
        return round(self.at_contact_points * 100 / self.done) if self.done else 0

    @property
    def share_hardship(self) -> int:
        return round(self.in_hardship * 100 / self.done) if self.done else 0


def _days(visits, **extra) -> Subquery:
    rows = visits.filter(**extra).order_by().values("leader").annotate(total=Sum("days"))
    return Coalesce(
        Subquery(rows.values("total")[:1]),
        Value(ZERO),
        output_field=DecimalField(max_digits=8, decimal_places=1),
    )


def with_year_days(members, year: int, user=None):
    """`members` annotated with this year's days: done, at contact points, in
    hardship areas, and the number of visits (one query, whatever the rows)."""
    visits = ResearchVisit.objects.all() if user is None else ResearchVisit.objects.visible_to(user)
    visits = visits.filter(
        leader=OuterRef("pk"), started_on__gte=date(year, 1, 1), started_on__lte=date(year, 12, 31)
    )
    count = visits.order_by().values("leader").annotate(n=Count("pk")).values("n")[:1]
    return members.annotate(
        research_done=_days(visits),
        research_contact=_days(visits, contact_point__isnull=False),
        research_hardship=_days(visits, hardship_area=True),
        research_count=Coalesce(Subquery(count), Value(0)),
    )


def leader_totals(members, year: int, user=None, on: date | None = None) -> list[LeaderYear]:
    """Each leader's year against the requirement (two queries: the leaders
    with their sums, the policies of their branches)."""
    rows = list(
        with_year_days(members.exclude(leadership_level=""), year, user).select_related("branch")
    )
    figures = policies_for_organizations({m.branch for m in rows}, policy_day(year, on))
    result = []
    for m in rows:
        months, per_month, required = requirement(m.leadership_level, figures[m.branch_id])
        result.append(
            LeaderYear(
                member=m,
                year=year,
                months=months,
                days_per_month=per_month,
                required=required,
                done=m.research_done,
                at_contact_points=m.research_contact,
                in_hardship=m.research_hardship,
                visits=m.research_count,
            )
        )
    return result


def leader_year(user, member: Member, year: int) -> LeaderYear | None:
    rows = leader_totals(Member.objects.visible_to(user).filter(pk=member.pk), year, user)
    return rows[0] if rows else None


def subtree_leaders(user, organization, year: int) -> list[LeaderYear]:
    """Every current leader whose branch lies in `organization`'s subtree, most
    days owed first."""
    members = (
        Member.objects.visible_to(user)
        .current()
        .filter(branch__path__descendant_of=organization.path)
    )
    rows = leader_totals(members, year, user)
    rows.sort(key=lambda r: (-r.owed, r.member.name, r.member.pk))
    return rows


def visible_leaders(user):
    return Member.objects.visible_to(user).exclude(leadership_level="").select_related("branch")


def visits_of(user, member: Member, year: int | None = None):
    visits = (
        ResearchVisit.objects.visible_to(user)
        .filter(leader=member)
        .select_related("contact_point__organization", "recorded_by")
        .order_by("-started_on", "-pk")
    )
    if year is not None:
        visits = visits.filter(started_on__year=year)
    return visits


def contact_points_of(user, member: Member):
    return (
        ContactPoint.objects.visible_to(user)
        .filter(leader=member)
        .select_related("organization")
        .order_by("until", "-since", "pk")
    )


def active_contact_points(user, member: Member, on: date | None = None):
    on = on or timezone.localdate()
    return contact_points_of(user, member).filter(
        Q(until__isnull=True) | Q(until__gte=on), since__lte=on
    )
