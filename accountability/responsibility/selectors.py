"""Reads of responsibilities, leading groups, commendations, accountability
records and contact points, all through `visible_to`."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from branches import scoping
from branches.models import Organization
from members.models import Member
from outreach.models import ContactPoint

from .models import (
    COMMITTEE_KINDS,
    AccountabilityRecord,
    Commendation,
    LeadingGroup,
    LeadingGroupMeeting,
    LeadingGroupMember,
    ResponsibilityAssignment,
)


def is_committee(org: Organization) -> bool:
    return org.kind in COMMITTEE_KINDS


def assignments_of(user, organization: Organization):
    """All assignments of the organisation, open ones first (first, direct, shared)."""
    return (
        ResponsibilityAssignment.objects.visible_to(user)
        .filter(organization=organization)
        .select_related("member", "created_by", "ended_by")
        .order_by("valid_to", "role", "-valid_from", "pk")
    )


def candidates(user, organization: Organization):
    """Current members of the organisation's subtree the user sees, leaders first."""
    return (
        Member.objects.visible_to(user)
        .current()
        .filter(branch__path__descendant_of=organization.path)
        .order_by("-leadership_level", "name", "pk")
    )


def group_of(user, organization: Organization) -> LeadingGroup | None:
    return LeadingGroup.objects.visible_to(user).filter(organization=organization).first()


def seats_of(group: LeadingGroup):
    return (
        LeadingGroupMember.objects.filter(group=group)
        .select_related("member")
        .order_by("until", "group_role", "since", "pk")
    )


def meetings_of(group: LeadingGroup):
    return (
        LeadingGroupMeeting.objects.filter(group=group)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch("attendees", queryset=LeadingGroupMember.objects.select_related("member"))
        )
    )


def commendations_for(user, organization: Organization, year: int, kind="", status=""):
    """Nominations decided by the organisation or those below it, for a year."""
    queryset = (
        Commendation.objects.visible_to(user)
        .filter(awarded_by__path__descendant_of=organization.path, year=year)
        .select_related(
            "nominee_org", "nominee_member", "nominee_unit", "nominated_by", "awarded_by"
        )
        .order_by("status", "kind", "pk")
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def nominee_orgs(user, organization: Organization):
    """Grassroots organisations an organisation may nominate: itself and those below."""
    return (
        Organization.objects.visible_to(user)
        .filter(path__descendant_of=organization.path, dissolved__isnull=True)
        .exclude(kind__in=COMMITTEE_KINDS)
        .order_by("path")
    )


def awarders_for(organization: Organization):
    """The organisation and those above it (the awarding one must be above the nominee)."""
    return Organization.objects.filter(path__ancestor_of=organization.path).order_by("-path")


def records_about(user, organization: Organization):
    """Accountability records about the organisation's subtree, newest first."""
    return (
        AccountabilityRecord.objects.visible_to(user)
        .filter(organization__path__descendant_of=organization.path)
        .select_related("organization", "member", "decided_by")
    )


def below(user, organization: Organization):
    return (
        Organization.objects.visible_to(user, scoping.CHANGE)
        .filter(path__descendant_of=organization.path, dissolved__isnull=True)
        .exclude(pk=organization.pk)
        .order_by("path")
    )


def contact_points_in(user, organization: Organization, year: int, on: date | None = None):
    """Current contact points of leaders of the subtree (weak units first), with the
    research days done there in `year` (one query)."""
    on = on or timezone.localdate()
    visits = Q(visits__started_on__gte=date(year, 1, 1), visits__started_on__lte=date(year, 12, 31))
    return (
        ContactPoint.objects.visible_to(user)
        .filter(leader__branch__path__descendant_of=organization.path, since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .annotate(
            year_visits=Count("visits", filter=visits),
            year_days=Sum("visits__days", filter=visits),
        )
        .select_related("leader", "organization")
        .order_by("-weak_unit", "leader__name", "pk")
    )
