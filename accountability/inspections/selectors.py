"""Reads of spot-checks and inspections, all through `visible_to` and the grants.

Inspectors hold no role on the organising organisation: their reach comes
only from the view grants the draw gave them (on the check, its units, the
drawn branches and members) — nothing once the grants expire or the check
is closed.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Prefetch, Q

from accountability.models import RectificationOrder
from branches.models import Organization, User
from members.models import Member

from .models import (
    SPOT_CHECK_ACTIVE,
    InspectionResult,
    InspectionSeverity,
    SpotCheck,
    SpotCheckEntry,
    SpotCheckFinding,
    SpotCheckUnit,
)


def inspector_units(user: User):
    """Units the user inspects, reached through their live grants (the draw gave them)."""
    return SpotCheckUnit.objects.visible_to(user).filter(
        spot_check__inspectors=user, spot_check__status__in=SPOT_CHECK_ACTIVE
    )


def spot_checks_for(user: User):
    """Checks the user sees: on the organising side, or as an inspector through a grant."""
    return SpotCheck.objects.visible_to(user).select_related("organizing_org")


def units_for(user: User, check: SpotCheck | None = None):
    """Units the user sees: all of a check on the organising side, else the granted ones."""
    queryset = SpotCheckUnit.objects.visible_to(user)
    if check is not None:
        queryset = queryset.filter(spot_check=check)
    return queryset.select_related("branch", "spot_check__organizing_org")


def with_summary(units):
    """Units with their checklist counts and findings (constant number of queries)."""
    return units.annotate(
        checked=Count("entries", filter=~Q(entries__result="unchecked"), distinct=True),
        noncompliant=Count("entries", filter=Q(entries__result="noncompliant"), distinct=True),
        finding_count=Count("findings", distinct=True),
        member_count=Count("members", distinct=True),
    ).order_by("spot_check", "position")


def unit_detail(unit: SpotCheckUnit):
    entries = list(SpotCheckEntry.objects.filter(unit=unit).order_by("pk"))
    findings = list(
        SpotCheckFinding.objects.filter(unit=unit).select_related("order").order_by("pk")
    )
    members = list(Member.objects.filter(pk__in=unit.members.values("pk")).order_by("name", "pk"))
    return entries, findings, members


def report_data(check: SpotCheck) -> dict:
    """Everything the report shows, from the stored draw and the records."""
    population = check.population or {}
    strata = population.get("strata", [])
    areas = Organization.objects.in_bulk([s["area"] for s in strata])
    units = list(
        SpotCheckUnit.objects.filter(spot_check=check)
        .select_related("branch")
        .prefetch_related(
            Prefetch("entries", queryset=SpotCheckEntry.objects.order_by("pk")),
            Prefetch(
                "findings",
                queryset=SpotCheckFinding.objects.select_related("order").order_by("pk"),
            ),
        )
        .annotate(member_count=Count("members", distinct=True))
        .order_by("position")
    )
    drawn = Counter(u.stratum for u in units)
    from branches.models import Sector

    from .models import SizeBand

    strata_rows = [
        {
            "key": s["key"],
            "area": areas.get(s["area"]),
            "sector": Sector(s["sector"]).label if s["sector"] in Sector.values else s["sector"],
            "band": SizeBand(s["band"]).label,
            "population": len(s["ids"]),
            "drawn": drawn.get(s["key"], 0),
        }
        for s in strata
    ]
    results = Counter()
    severities = Counter()
    order_statuses = Counter()
    for unit in units:
        for entry in unit.entries.all():
            results[entry.result] += 1
        for finding in unit.findings.all():
            severities[finding.severity] += 1
            order_statuses[finding.order.status if finding.order else "none"] += 1
    from accountability.models import RectificationStatus

    return {
        "check": check,
        "strata": strata_rows,
        "population_total": sum(r["population"] for r in strata_rows),
        "drawn_total": len(units),
        "units": units,
        "results": [(r.label, results.get(r.value, 0)) for r in InspectionResult],
        "severities": [(s.label, severities.get(s.value, 0)) for s in InspectionSeverity],
        "order_statuses": [(s.label, order_statuses.get(s.value, 0)) for s in RectificationStatus]
        + ([("—", order_statuses["none"])] if order_statuses.get("none") else []),
        "findings_total": sum(severities.values()),
    }


def orders_of(findings) -> list[RectificationOrder]:
    return [f.order for f in findings if f.order_id]
