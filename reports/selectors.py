"""Reads of year-end reports. The rule is the dashboards' (`may_view`): roles
reaching the organisation's whole subtree; anyone else gets 404."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from branches import scoping
from branches.models import Organization
from dashboards.selectors import may_view

from .models import YearEndReport

FIRST_YEAR = 2006  # the year of the four documents


def years() -> list[int]:
    """The years offered by the form: this year and the five before."""
    this = timezone.localdate().year
    return list(range(this, this - 6, -1))


def reports_visible_to(user):
    """Reports of the organisations whose whole subtree the user's roles reach."""
    queryset = YearEndReport.objects.visible_to(user)
    scope = scoping.scope_for(user, scoping.VIEW)
    if scope.everything:
        return queryset
    condition = Q()
    for path in scope.subtree_paths:
        condition |= Q(organization__path__descendant_of=path)
    return queryset.filter(condition) if condition else queryset.none()


def organization_or_404(user, pk) -> Organization:
    organization = get_object_or_404(Organization.objects.visible_to(user), pk=pk)
    if not may_view(user, organization):
        raise Http404
    return organization


def report_or_404(user, pk) -> YearEndReport:
    return get_object_or_404(
        reports_visible_to(user).select_related("organization", "requested_by"), pk=pk
    )


def organization_reports(user, organization: Organization):
    return (
        reports_visible_to(user)
        .filter(organization=organization)
        .select_related("requested_by")
        .order_by("-year")
    )
