"""Pages of the figures of a subtree (accountability.figures): the year's
figures of an organisation, each with its formula and the link to its
records, and the generic list of the records behind a figure that has no
list page of its own."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from branches import scoping
from branches.models import Organization
from config import exports

from . import figures

PAGE_SIZE = 50
FIRST_YEAR = 2000


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year
    return year if FIRST_YEAR <= year <= this_year + 1 else this_year


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _years():
    this_year = timezone.localdate().year
    return range(this_year, this_year - 6, -1)


@require_GET
@login_required
def overview(request, org_pk):
    """Every figure of the organisation's subtree for a year, grouped.

    Counts of a whole subtree: for the roles that reach it (secretary,
    organisation staff, inspector), not for a member who sees only the
    branch page, nor for a grant on the one organisation (403)."""
    org = _org(request, org_pk)
    if not scoping.scope_for(request.user, scoping.VIEW).covers_path(org.path):
        raise PermissionDenied
    year = _year(request)
    groups: list[tuple[str, list]] = []
    for value in figures.values_of(org, year):
        group = str(value.figure.group)
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        groups[-1][1].append(value)
    return render(
        request,
        "accountability/figures/overview.html",
        {"org": org, "year": year, "years": _years(), "groups": groups},
    )


def _cell(obj, path: str):
    value = obj
    for name in path.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    value = value() if callable(value) else value
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


@require_GET
@login_required
def records(request, org_pk):
    """The records counted by one figure (`?figure=key&year=`), as the user may
    see them (`&format=xlsx`: all of them as .xlsx). Without a figure that has
    such a list: the overview of the year."""
    org = _org(request, org_pk)
    year = _year(request)
    figure = figures.FIGURES.get(request.GET.get("figure", ""))
    if figure is None or figure.records is None:
        return redirect(f"{reverse('figures:overview', args=[org.pk])}?year={year}")
    queryset = figure.records(request.user, org, year)
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=queryset,
            columns=[
                (label, lambda obj, path=path: _cell(obj, path)) for label, path in figure.columns
            ],
            filename=exports.dated_filename(org.name, figure.label, year),
            what=f"figures.{figure.key}"[:64],
            organization=org,
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [[_cell(obj, path) for _label, path in figure.columns] for obj in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accountability/figures/records.html",
        {
            "org": org,
            "year": year,
            "years": _years(),
            "figure": figure,
            "headers": [label for label, _path in figure.columns],
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
        },
    )
