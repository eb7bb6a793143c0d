"""Pages of the organisation dashboards (党建看板) and the large screen
(党建大屏). Thin: every figure comes from `selectors.dashboard`, which reads
roll-up rows only, so a page costs the same number of queries for two
children or two hundred."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from branches import scoping
from branches.models import Organization

from . import metrics, selectors

NAME = "name"  # sort key of the children table by organisation name
# Headline numbers of the large screen, in order.
SCREEN_KEYS = (
    "members",
    "members_probationary",
    "education_rate",
    "reviews_closed",
    "mobile_away",
    "commitments_fulfilled",
    "cases_open",
    "rectifications_open",
)
SCREEN_CHILDREN = 10


def parse_year(raw) -> int | None:
    """The year asked for, or None unless it is one the dashboards keep."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return None
    return year if year in selectors.years() else None


def _year(request) -> int:
    return parse_year(request.GET.get("year")) or timezone.localdate().year


def viewable_org(user, org_pk) -> Organization:
    """The organisation if the user may see its whole dashboard, else 404."""
    org = get_object_or_404(Organization.objects.visible_to(user), pk=org_pk)
    if not selectors.may_view(user, org):
        raise Http404
    return org


def top_organizations(user) -> list[Organization]:
    """The highest organisations whose whole subtree the user's roles reach."""
    scope = scoping.scope_for(user, scoping.VIEW)
    orgs = Organization.objects.visible_to(user)
    if scope.everything:
        orgs = orgs.filter(parent__isnull=True)
    else:
        ids = [int(path.rsplit(".", 1)[-1]) for path in scope.subtree_paths]
        orgs = orgs.filter(pk__in=ids)
    return list(orgs.order_by("depth", "code", "pk"))


def _plain(value):
    """A value for JSON: rates as numbers, not strings."""
    return float(value) if isinstance(value, Decimal) else value


def _url(org, year) -> str:
    return f"{reverse('dashboards:org', args=[org.pk])}?year={year}"


def _reports_url(org) -> str | None:
    try:
        return reverse("reports:org", args=[org.pk])
    except NoReverseMatch:  # the year-end reports pages are not there yet
        return None


def _ancestors(user, org) -> list[Organization]:
    """Ancestors whose dashboard the user may see, highest first (one query)."""
    ids = org.ancestor_ids
    if not ids:
        return []
    scope = scoping.scope_for(user, scoping.VIEW)
    found = Organization.objects.visible_to(user).filter(pk__in=ids).order_by("depth")
    return [a for a in found if scope.covers_path(a.path)]


def _sorted_children(children, key: str, descending: bool):
    if key == NAME:
        return sorted(children, key=lambda row: row.organization.name, reverse=descending)
    return sorted(children, key=lambda row: row.values.get(key, 0), reverse=descending)


def chart_data(board, year: int) -> dict:
    """What static/js/dashboards.js draws (passed with json_script)."""
    return {
        "children": [
            {
                "name": row.organization.name,
                "url": _url(row.organization, year),
                "members": row.values.get("members", 0),
                "education_rate": _plain(row.values.get("education_rate", 0)),
            }
            for row in board.children
        ],
        "months": [
            {
                "month": m.month,
                "activities": m.activities,
                "attendance_rate": _plain(m.attendance_rate),
            }
            for m in board.months
        ],
        "labels": {
            "members": str(metrics.METRICS["members"].label),
            "education_rate": str(metrics.METRICS["education_rate"].label),
            "activities": _("Activities"),
            "attendance_rate": _("Attendance rate"),
            "months": [_("Month %(month)s") % {"month": m} for m in range(1, 13)],
        },
    }


@require_GET
@login_required
def home(request):
    """The dashboard of the user's highest organisation, or a choice of them."""
    orgs = top_organizations(request.user)
    if len(orgs) == 1:
        return redirect("dashboards:org", orgs[0].pk)
    return render(request, "dashboards/home.html", {"orgs": orgs})


@require_GET
@login_required
def org_dashboard(request, org_pk):
    org = viewable_org(request.user, org_pk)
    year = _year(request)
    board = selectors.dashboard(request.user, org, year)
    columns = [m.key for m in board.table_metrics]
    sort = request.GET.get("sort", "")
    descending = request.GET.get("dir") == "desc"
    children = board.children
    if sort in columns or sort == NAME:
        children = _sorted_children(children, sort, descending)
    else:
        sort = ""
    rows = [
        {
            "row": row,
            "url": _url(row.organization, year),
            "cells": [
                (
                    row.values.get(m.key, 0),
                    m.url(row.organization, year),
                    m.rate_of is not None,
                )
                for m in board.table_metrics
            ],
        }
        for row in children
    ]
    headers = [(NAME, _("Organisation"))] + [(m.key, m.label) for m in board.table_metrics]
    return render(
        request,
        "dashboards/org.html",
        {
            "org": org,
            "year": year,
            "years": selectors.years(),
            "board": board,
            "rows": rows,
            "headers": [
                {
                    "key": key,
                    "label": label,
                    "active": key == sort,
                    "descending": key == sort and descending,
                    # A click on the current column turns its order round.
                    "dir": "asc" if key == sort and descending else "desc",
                }
                for key, label in headers
            ],
            "ancestors": _ancestors(request.user, org),
            "reports_url": _reports_url(org),
            "chart_data": chart_data(board, year),
        },
    )


@require_GET
@login_required
def screen(request, org_pk):
    """党建大屏: one 1920×1080 screen, no navigation, refreshed by its script."""
    org = viewable_org(request.user, org_pk)
    year = _year(request)
    board = selectors.dashboard(request.user, org, year)
    top = sorted(board.children, key=lambda row: row.values.get("members", 0), reverse=True)
    return render(
        request,
        "dashboards/screen.html",
        {
            "org": org,
            "year": year,
            "board": board,
            "numbers": [
                {
                    "metric": metrics.METRICS[key],
                    "value": board.value(key),
                    "rate": metrics.METRICS[key].rate_of is not None,
                }
                for key in SCREEN_KEYS
            ],
            "top": top[:SCREEN_CHILDREN],
            "chart_data": chart_data(board, year),
            "api_url": f"{reverse('v1:dashboard-detail', args=[org.pk])}?year={year}",
            "dashboard_url": _url(org, year),
        },
    )
