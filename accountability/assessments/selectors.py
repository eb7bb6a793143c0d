"""Reads of assessments, all through `visible_to`."""

from __future__ import annotations

from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce

from branches.models import Organization

from .models import AssessmentGrade, AssessmentScheme, Score, Scorecard, ScorecardStatus

SORTS = {
    "total": ("-total", "organization__path"),
    "name": ("organization__path",),
    "grade": ("grade", "-total", "organization__path"),
}


def schemes_of(user, organization: Organization):
    return (
        AssessmentScheme.objects.visible_to(user)
        .filter(organization=organization)
        .annotate(
            indicator_count=Count("indicators", distinct=True),
            scorecard_count=Count("scorecards", distinct=True),
        )
        .order_by("-year", "pk")
    )


def weight_total(scheme: AssessmentScheme):
    return scheme.indicators.aggregate(
        total=Coalesce(Sum("weight"), Value(0), output_field=DecimalField())
    )["total"]


def scorecards_of(user, scheme: AssessmentScheme, sort: str = "total"):
    """The scheme's scorecards; by total (highest first; open ones last), name or grade."""
    order = SORTS.get(sort, SORTS["total"])
    order = [F(o[1:]).desc(nulls_last=True) if o.startswith("-") else o for o in order]
    return (
        Scorecard.objects.visible_to(user)
        .filter(scheme=scheme)
        .select_related("organization", "secretary", "rectification")
        .order_by(*order)
    )


def grade_counts(scorecards) -> list[tuple[str, str, int]]:
    """(grade, label, how many) for each grade, in order, from finalised scorecards. One query."""
    counts = dict(
        scorecards.filter(status=ScorecardStatus.FINAL)
        .order_by()
        .values_list("grade")
        .annotate(n=Count("pk"))
    )
    return [(grade, label, counts.get(grade, 0)) for grade, label in AssessmentGrade.choices]


def scores_of(scorecard: Scorecard):
    return Score.objects.filter(scorecard=scorecard).select_related("indicator", "scored_by")


def results_for_member(member, user=None):
    """Finalised scorecards of organisations where `member` was the secretary assessed,
    newest first: input to cadre selection, training, reward and discipline (document 4, 五).
    With `user`, only the scorecards that user may see."""
    queryset = Scorecard.objects.visible_to(user) if user is not None else Scorecard.objects
    return (
        queryset.filter(secretary=member, status=ScorecardStatus.FINAL)
        .select_related("scheme", "scheme__organization", "organization")
        .order_by("-scheme__year", "pk")
    )


def cadre_results(user, organization: Organization) -> tuple[list[int], list[dict]]:
    """The secretaries assessed by the organisation and their grades by year.

    Returns (years, rows); each row: {"member", "cells": [scorecard or None per year]}.
    """
    scorecards = list(
        Scorecard.objects.visible_to(user)
        .filter(
            scheme__organization=organization,
            secretary__isnull=False,
            status=ScorecardStatus.FINAL,
        )
        .select_related("scheme", "organization", "secretary")
        .order_by("secretary__name", "secretary_id", "-scheme__year")
    )
    years = sorted({s.scheme.year for s in scorecards}, reverse=True)
    rows: dict[int, dict] = {}
    for s in scorecards:
        row = rows.setdefault(s.secretary_id, {"member": s.secretary, "by_year": {}})
        row["by_year"][s.scheme.year] = s
    result = [
        {"member": r["member"], "cells": [r["by_year"].get(y) for y in years]}
        for r in rows.values()
    ]
    return years, result
