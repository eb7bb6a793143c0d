"""Telling the roll-ups that rows changed: `touch(org_id, year)` enqueues a
refresh of that organisation-year once the transaction commits.

A refresh already queued and not yet started covers later changes, so a
burst of changes in one branch costs one refresh (a cache key marks it).
If the broker is down the change is not lost: the nightly reconciliation
recounts everything.
"""

from __future__ import annotations

import contextlib
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from config import outbox

log = logging.getLogger(__name__)

QUEUED_FOR = 300  # seconds a queued mark is trusted


def queued_key(org_id: int, year: int) -> str:
    return f"rollup:queued:{org_id}:{year}"


def touch(org_id: int | None, year: int | None = None) -> None:
    """The rows of organisation `org_id` changed in `year` (and this year)."""
    if not org_id:
        return
    this_year = timezone.localdate().year
    for y in {this_year, year or this_year}:
        if 2000 <= y <= this_year + 1:
            transaction.on_commit(lambda y=y: _enqueue(org_id, y))


MANY = 50  # more organisations than this: recount their provinces instead


def touch_many(org_ids, year: int | None = None) -> None:
    """The rows of these organisations changed."""
    org_ids = list(org_ids)
    if len(org_ids) <= MANY:
        for org_id in org_ids:
            touch(org_id, year)
        return
    from branches.models import Organization

    for province_id in (
        Organization.objects.filter(pk__in=org_ids)
        .order_by()
        .values_list("province_id", flat=True)
        .distinct()
    ):
        province_changed(province_id, year)


def touch_members(member_ids, year: int | None = None) -> None:
    """The rows of these members changed: their branches' figures."""
    from members.models import Member

    touch_many(
        set(
            Member.objects.filter(pk__in=list(member_ids))
            .values_list("branch_id", flat=True)
            .distinct()
        ),
        year,
    )


def _enqueue(org_id: int, year: int) -> None:
    from .tasks import refresh_rollups

    try:
        if not cache.add(queued_key(org_id, year), 1, QUEUED_FOR):
            return
    except Exception:  # no cache: enqueue anyway
        log.warning("cache unavailable; roll-up refresh of %s, %s not debounced", org_id, year)
    try:
        outbox.send(refresh_rollups, org_id, year)
    except Exception:  # the broker is down: the nightly reconciliation catches up
        log.exception("could not enqueue the roll-up refresh of %s, %s", org_id, year)
        with contextlib.suppress(Exception):
            cache.delete(queued_key(org_id, year))


def province_changed(province_id: int | None, year: int | None = None) -> None:
    """Something that changes many figures of a province (a policy, a move, a
    year close): recount the province's year (default: this year) after commit.
    Above the provinces (the central committee): every province."""
    from branches.models import Organization

    from .tasks import reconcile_rollups

    if not province_id:
        return
    org = Organization.objects.filter(pk=province_id).values_list("pk", "province_id").first()
    if org is None:
        return
    if org[1] is None:  # above the provinces
        from education.cycles import provinces

        ids = list(provinces())
    else:
        ids = [org[1]]
    year = year or timezone.localdate().year

    def enqueue():
        for pk in ids:
            try:
                outbox.send(reconcile_rollups, pk, year)
            except Exception:
                log.exception("could not enqueue the reconciliation of %s", pk)

    transaction.on_commit(enqueue)
