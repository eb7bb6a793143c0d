"""Figures of an organisation's subtree for a year, each traceable to its records.

The annual written report (书面报告) is pre-filled with them and the
assessment scorecards compute their indicators from them. Every figure has
a label, the formula in words, and a link to the list of records it counts,
so a reader can check the number.

Callers check that the user may see `organization` (scoping.can / require)
before computing; the record pages behind `url` apply `visible_to` again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Organization


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # lazy text
    formula: str  # lazy text: how the value is computed, in words
    unit: str  # "count", "percent", "days"
    compute: Callable[[Organization, int], tuple[Decimal | int, Decimal | int | None]]
    # (organization, year) -> the page listing the records counted, or None
    records_url: Callable[[Organization, int], str | None]


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    value: Decimal | int
    # For rates: value = numerator / denominator × 100; None for plain counts.
    denominator: Decimal | int | None
    url: str | None

    @property
    def key(self) -> str:
        return self.figure.key


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.key in FIGURES:
        raise ValueError(f"figure {figure.key!r} registered twice")
    FIGURES[figure.key] = figure
    return figure


def value_of(key: str, organization: Organization, year: int) -> FigureValue:
    figure = FIGURES[key]
    value, denominator = figure.compute(organization, year)
    return FigureValue(
        figure=figure,
        value=value,
        denominator=denominator,
        url=figure.records_url(organization, year),
    )


def values_of(
    organization: Organization, year: int, keys: list[str] | None = None
) -> list[FigureValue]:
    """The figures (all, or `keys` in that order) of `organization`'s subtree in `year`."""
    return [value_of(key, organization, year) for key in (keys or list(FIGURES))]


def choices() -> list[tuple[str, str]]:
    return [(key, figure.label) for key, figure in FIGURES.items()]


# --- figures ------------------------------------------------------------------------


def _members_in_subtree(organization: Organization, year: int):
    from members.models import Member

    count = Member.objects.current().filter(branch__path__descendant_of=organization.path).count()
    return count, None


register(
    Figure(
        key="members",
        label=_("Members"),
        formula=_("Members on the rolls (not left) whose branch is in the subtree, today."),
        unit="count",
        compute=_members_in_subtree,
        records_url=lambda organization, year: reverse("branches:detail", args=[organization.pk]),
    )
)
