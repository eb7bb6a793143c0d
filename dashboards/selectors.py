"""Reads for the dashboards: roll-up rows only, a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from branches import scoping
from branches.models import Organization

from . import metrics, rollups
from .models import ReconcileRun, Rollup

# The per-child table and chart columns, in order.
TABLE_KEYS = (
    "members",
    "members_probationary",
    "education_rate",
    "education_short",
    "reviews_closed",
    "mobile_away",
    "mobile_in",
    "certificates_review_overdue",
    "commitments_made",
    "cases_overdue",
    "rectifications_overdue",
    "party_school_overdue",
    "leaders_without_lecture",
    "research_short",
)


def may_view(user, organization: Organization) -> bool:
    """Dashboards are for roles reaching the organisation's whole subtree."""
    return scoping.scope_for(user, scoping.VIEW).covers_path(organization.path)


def years() -> list[int]:
    """The years a dashboard offers (each compared with the one before, which
    the roll-ups keep too: rollups.kept_years)."""
    return rollups.kept_years(timezone.localdate())[:-1]


@dataclass(frozen=True)
class Card:
    metric: metrics.Metric
    value: int | Decimal
    previous: int | Decimal
    url: str | None

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def delta(self) -> int | Decimal:
        return self.value - self.previous

    @property
    def worse(self) -> bool:
        """Moved the wrong way since last year."""
        if self.metric.lower_is_better:
            return self.delta > 0
        return self.delta < 0


@dataclass(frozen=True)
class ChildRow:
    organization: Organization
    values: dict[str, int | Decimal]
    computed_at: datetime | None


@dataclass(frozen=True)
class Month:
    month: int
    activities: int
    attendance_expected: int
    attendance_present: int

    @property
    def attendance_rate(self) -> Decimal:
        return metrics.F.rate(self.attendance_present, self.attendance_expected)


@dataclass
class Dashboard:
    organization: Organization
    year: int
    totals: dict[str, int]
    previous_totals: dict[str, int]
    cards: list[tuple[str, list[Card]]]  # (group label, cards)
    children: list[ChildRow]
    months: list[Month]
    computed_at: datetime | None  # the oldest figure shown
    reconciled_at: datetime | None  # the province's last full recount of the year
    reconcile_fixed: int | None
    table_metrics: list[metrics.Metric] = field(default_factory=list)

    def value(self, key: str):
        return metrics.value(key, self.totals)


def dashboard(user, organization: Organization, year: int) -> Dashboard:
    """The dashboard of `organization` (the caller checked `may_view`): four queries."""
    children = list(
        Organization.objects.visible_to(user)
        .filter(parent=organization)
        .order_by("dissolved", "code", "name", "pk")
    )
    ids = [organization.pk] + [child.pk for child in children]
    rows = Rollup.objects.visible_to(user).filter(
        organization_id__in=ids, year__in=[year, year - 1]
    )
    totals: dict[tuple[int, int, int], dict] = {}
    fresh: dict[int, datetime] = {}
    for org_id, row_year, month, total, computed_at in rows.values_list(
        "organization_id", "year", "month", "total", "computed_at"
    ):
        totals[(org_id, row_year, month)] = total
        if row_year == year and month == 0:
            fresh[org_id] = computed_at
    # Only the time of the province's last full recount is read.
    run = (
        ReconcileRun.objects.filter(
            province_id=organization.province_id or organization.pk, year=year
        )
        .order_by("-finished_at")
        .select_related("province")
        .only("finished_at", "fixed", "province__path")
        .first()
    )
    reconciled_at = run.finished_at if run else None

    def as_of(org_id: int) -> datetime | None:
        times = [t for t in (fresh.get(org_id), reconciled_at) if t is not None]
        return max(times) if times else None

    current = totals.get((organization.pk, year, 0), {})
    previous = totals.get((organization.pk, year - 1, 0), {})
    groups: dict[str, list[Card]] = {}
    for metric in metrics.METRICS.values():
        groups.setdefault(str(metric.group), []).append(
            Card(
                metric=metric,
                value=metrics.value(metric.key, current),
                previous=metrics.value(metric.key, previous),
                url=metric.url(organization, year),
            )
        )
    table = [metrics.METRICS[key] for key in TABLE_KEYS]
    child_rows = [
        ChildRow(
            organization=child,
            values={
                key: metrics.value(key, totals.get((child.pk, year, 0), {})) for key in TABLE_KEYS
            },
            computed_at=as_of(child.pk),
        )
        for child in children
    ]
    months = []
    for month in range(1, 13):
        values = totals.get((organization.pk, year, month), {})
        months.append(
            Month(
                month=month,
                activities=values.get("activities", 0),
                attendance_expected=values.get("attendance_expected", 0),
                attendance_present=values.get("attendance_present", 0),
            )
        )
    return Dashboard(
        organization=organization,
        year=year,
        totals=current,
        previous_totals=previous,
        cards=list(groups.items()),
        children=child_rows,
        months=months,
        computed_at=as_of(organization.pk),
        reconciled_at=reconciled_at,
        # How much the recount fixed is the province's business.
        reconcile_fixed=run.fixed if run and may_view(user, run.province) else None,
        table_metrics=table,
    )


def figures(organization: Organization, year: int) -> dict[str, int | Decimal]:
    """Every metric of `organization`'s subtree in `year`, from its roll-up row
    (one query; for reports and the API; the caller checked access)."""
    row = (
        Rollup.objects.filter(organization=organization, year=year, month=0)
        .values_list("total", flat=True)
        .first()
    )
    return {key: metrics.value(key, row or {}) for key in metrics.METRICS}
