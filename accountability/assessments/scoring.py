"""The scoring rule, in one place: points of a computed indicator, total and grade.

A computed indicator earns its full weight when the figure reaches the
target, and a proportional share below it: weight × value ÷ target (never
below 0), rounded to 0.01 point. The total is the sum of the indicators'
points; the grade compares the total with the scheme's thresholds (defaults:
好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, 差 below).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .models import AssessmentGrade

CENT = Decimal("0.01")

RULE = _(
    "Full points when the figure reaches the target; below it, points × figure ÷ target "
    "(rounded to 0.01)."
)


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def computed_points(weight, value, target) -> Decimal:
    weight, value, target = _d(weight), _d(value), _d(target)
    if value >= target:
        return weight.quantize(CENT)
    if value <= 0:
        return Decimal("0.00")
    return (weight * value / target).quantize(CENT, rounding=ROUND_HALF_UP)


def total_of(points) -> Decimal:
    return sum((_d(p) for p in points), Decimal("0")).quantize(CENT)


def grade_for(total, scheme) -> str:
    total = _d(total)
    if total >= scheme.grade_good:
        return AssessmentGrade.GOOD
    if total >= scheme.grade_fairly_good:
        return AssessmentGrade.FAIRLY_GOOD
    if total >= scheme.grade_average:
        return AssessmentGrade.AVERAGE
    return AssessmentGrade.POOR
