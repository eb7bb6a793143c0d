"""Keeping the roll-ups (DESIGN.md, "Scale"): per organisation, year and month,
the counts of `dashboards.metrics` for its own rows and for its subtree.

- `refresh(org_id, year)`: after a change. Recounts the organisation's own
  rows, then the totals of it and each ancestor from their children's totals
  (two queries a level), so a change costs a few dozen small queries.
- `reconcile(province_id, year)`: nightly. Recounts every organisation of the
  province from the raw rows (one grouped query per source), compares with
  what is stored, writes the rows that differ and records a `ReconcileRun`
  naming the differences it fixed.

Both take the province's advisory lock, so totals are never summed from a
child row another writer is changing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from branches.models import Organization

from . import metrics
from .models import ReconcileRun, Rollup

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x524F4C4C  # "ROLL"
BATCH = 2000
SAMPLE = 50  # differences kept on a ReconcileRun

Counts = dict[str, int]


def _lock(province_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, province_id])


def _add(into: Counts, values: Counts) -> None:
    for key, value in values.items():
        into[key] = into.get(key, 0) + value


def _clean(values: Counts) -> Counts:
    return {key: value for key, value in sorted(values.items()) if value}


def compute_own(root: Organization, year: int, only: int | None = None):
    """Own counts of the organisations of `root`'s subtree (or of `only`):
    {(organisation id, month): counts}, month 0 being the whole year."""
    own: dict[tuple[int, int], Counts] = defaultdict(dict)
    for source in metrics.sources():
        for key, values in source.own(root, year, only).items():
            if source.monthly:
                org_id, month = key
                _add(own[(org_id, month)], values)
                _add(own[(org_id, 0)], values)  # the year is the sum of its months
            else:
                _add(own[(key, 0)], values)
    if only is not None:
        own = defaultdict(dict, {k: v for k, v in own.items() if k[0] == only})
    return own


def _upsert(rows: list[Rollup]) -> None:
    Rollup.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["organization", "year", "month"],
        update_fields=["own", "total", "computed_at"],
    )


def _sum_up(chain: list[Organization], year: int, own: dict | None, now) -> None:
    """Write the rows of `chain` (deepest first, each the parent of the one
    before): totals = own + the children's totals, read from the table. `own`
    is the first node's fresh own counts; None reads every node's from the table."""
    for node in chain:
        if node.province_id is None:
            # Above the provinces: refreshes of several provinces meet here.
            _lock(0)
        if own is not None:
            node_own = {m: v for (org, m), v in own.items() if org == node.pk}
        else:
            node_own = {
                month: values
                for month, values in Rollup.objects.filter(
                    organization=node, year=year
                ).values_list("month", "own")
                if values
            }
        totals: dict[int, Counts] = defaultdict(dict)
        for month, values in node_own.items():
            _add(totals[month], values)
        for month, values in Rollup.objects.filter(
            organization__parent=node, year=year
        ).values_list("month", "total"):
            _add(totals[month], values)
        months = {m for m, values in totals.items() if values} | {0}
        _upsert(
            [
                Rollup(
                    organization=node,
                    year=year,
                    month=month,
                    own=_clean(node_own.get(month, {})),
                    total=_clean(totals.get(month, {})),
                    computed_at=now,
                )
                for month in sorted(months)
            ]
        )
        # Months that fell to zero everywhere below.
        Rollup.objects.filter(organization=node, year=year).exclude(month__in=months).delete()
        own = None


def kept_years(day) -> list[int]:
    """The years the roll-ups are kept and reconciled for: this one and two
    before (a dashboard compares its year with the one before)."""
    return [day.year, day.year - 1, day.year - 2]


class Moved(Exception):
    """The organisation changed province while its refresh waited: retry."""


def refresh(org_id: int, year: int, on_locked=None) -> int:
    """Recount one organisation's own rows for `year` and the totals up to the
    root. Returns the number of organisations written (it and its ancestors)."""
    with transaction.atomic():
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:  # deleted since: its ancestors are fixed by reconciliation
            return 0
        _lock(org.province_id or org.pk)
        locked_in = org.province_id
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:
            return 0
        if org.province_id != locked_in:
            raise Moved(org_id)
        if on_locked is not None:
            on_locked()
        own = compute_own(org, year, only=org.pk)
        chain = list(Organization.objects.filter(path__ancestor_of=org.path).order_by("-depth"))
        _sum_up(chain, year, own, timezone.now())
        return len(chain)


@dataclass
class Reconciled:
    province_id: int
    year: int
    rows: int = 0
    fixed: int = 0
    differences: list[dict] = field(default_factory=list)
    run: ReconcileRun | None = None


def reconcile(province_id: int, year: int) -> Reconciled:
    """Recount a province-year from the raw rows and fix what differs."""
    started = timezone.now()
    result = Reconciled(province_id, year)
    with transaction.atomic():
        province = Organization.objects.get(pk=province_id)
        _lock(province.province_id or province.pk)
        own = compute_own(province, year)
        tree = list(
            Organization.objects.filter(path__descendant_of=province.path).values_list(
                "pk", "parent_id", "depth"
            )
        )
        totals: dict[tuple[int, int], Counts] = defaultdict(dict)
        for (org_id, month), values in own.items():
            _add(totals[(org_id, month)], values)
        children: dict[int, list[int]] = defaultdict(list)
        for pk, parent_id, _depth in tree:
            children[parent_id].append(pk)
        months_of: dict[int, set[int]] = defaultdict(set)
        for org_id, month in list(totals):
            months_of[org_id].add(month)
        for pk, parent_id, _depth in sorted(tree, key=lambda row: -row[2]):
            if pk == province.pk:
                continue
            for month in months_of[pk]:
                _add(totals[(parent_id, month)], totals[(pk, month)])
                months_of[parent_id].add(month)

        now = timezone.now()
        changed: list[Rollup] = []
        empty: list[int] = []

        def compare(key, have_own, have_total, pk=None):
            want_own = _clean(own.get(key, {}))
            want_total = _clean(totals.get(key, {}))
            result.rows += 1
            if want_own == have_own and want_total == have_total:
                return
            result.fixed += 1
            if len(result.differences) < SAMPLE:
                for name in sorted(set(want_total) | set(have_total)):
                    if want_total.get(name, 0) != have_total.get(name, 0):
                        result.differences.append(
                            {
                                "organization": key[0],
                                "month": key[1],
                                "key": name,
                                "stored": have_total.get(name, 0),
                                "computed": want_total.get(name, 0),
                            }
                        )
            if not (want_own or want_total):
                empty.append(pk)
                return
            changed.append(
                Rollup(
                    organization_id=key[0],
                    year=year,
                    month=key[1],
                    own=want_own,
                    total=want_total,
                    computed_at=now,
                )
            )
            if len(changed) >= BATCH:
                _upsert(changed)
                changed.clear()

        # The stored rows are streamed, never all in memory at once.
        seen: set[tuple[int, int]] = set()
        for org_id, month, have_own, have_total, pk in (
            Rollup.objects.filter(organization__path__descendant_of=province.path, year=year)
            .values_list("organization_id", "month", "own", "total", "pk")
            .iterator(chunk_size=BATCH)
        ):
            seen.add((org_id, month))
            compare((org_id, month), have_own, have_total, pk)
        for key, values in totals.items():
            if values and key not in seen:
                compare(key, {}, {})
        _upsert(changed)
        if empty:
            Rollup.objects.filter(pk__in=empty).delete()
        # Above the province (the central committee): its totals include this province.
        above = list(
            Organization.objects.filter(path__ancestor_of=province.path)
            .exclude(pk=province.pk)
            .order_by("-depth")
        )
        if above:
            _sum_up(above, year, None, now)
        result.run = ReconcileRun.objects.create(
            province=province,
            year=year,
            started_at=started,
            finished_at=timezone.now(),
            rows=result.rows,
            fixed=result.fixed,
            differences=result.differences,
        )
    if result.fixed:
        log.warning(
            "roll-up reconciliation of province %s, %s fixed %s of %s rows: %s",
            province_id,
            year,
            result.fixed,
            result.rows,
            result.differences[:5],
        )
    return result
