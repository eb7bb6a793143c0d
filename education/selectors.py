"""Reads: a member's year against the requirement of document 1, 三（四）."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from branches.models import CADRE_SECTORS
from branches.policies import policies_in_force
from members.models import FlagKind, Member

from .models import Attendance, YearlyTotal


@dataclass(frozen=True)
class YearStatus:
    member: Member
    year: int
    hours: Decimal
    hours_per_day: Decimal
    required_days: int
    individual: bool  # aged or infirm: handled individually (送学上门)

    @property
    def days(self) -> Decimal:
        return (self.hours / self.hours_per_day).quantize(Decimal("0.1"))

    @property
    def required_hours(self) -> Decimal:
        return self.required_days * self.hours_per_day

    @property
    def remaining_hours(self) -> Decimal:
        return max(Decimal(0), self.required_hours - self.hours)

    @property
    def compliant(self) -> bool:
        return self.individual or self.hours >= self.required_hours

    @property
    def short(self) -> bool:
        return not self.compliant


def _reference_day(year: int) -> date:
    today = timezone.localdate()
    return today if year == today.year else date(year, 12, 31)


def year_statuses(members, year: int) -> list[YearStatus]:
    """Statuses of several members: one query for totals, one for flags, one
    policy look-up per branch."""
    members = list(members)
    totals = dict(
        YearlyTotal.objects.filter(member__in=members, year=year).values_list("member_id", "hours")
    )
    aged = set(
        Member.objects.filter(
            pk__in=[m.pk for m in members],
            flags__kind=FlagKind.AGED_INFIRM,
            flags__cleared_on__isnull=True,
        ).values_list("pk", flat=True)
    )
    policies: dict[int, dict] = {}
    statuses = []
    for member in members:
        if member.branch_id not in policies:
            policies[member.branch_id] = policies_in_force(member.branch, _reference_day(year))
        policy = policies[member.branch_id]
        cadre = member.employer_sector in CADRE_SECTORS
        statuses.append(
            YearStatus(
                member=member,
                year=year,
                hours=totals.get(member.pk, Decimal(0)),
                hours_per_day=Decimal(str(policy["education_hours_per_day"])),
                required_days=policy[
                    "education_days_cadre_sectors" if cadre else "education_days_other_sectors"
                ],
                individual=member.pk in aged,
            )
        )
    return statuses


def year_status(member: Member, year: int) -> YearStatus:
    return year_statuses([member], year)[0]


def counted_activities(member: Member, year: int):
    """What counted for the member this year, each activity."""
    return (
        Attendance.objects.filter(member=member, activity__starts_at__year=year)
        .select_related("activity", "activity__organization")
        .order_by("activity__starts_at")
    )
