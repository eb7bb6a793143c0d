"""Reads of care: households, pairings, volunteering totals and members in
hardship. Every read goes through `visible_to`; the lists run a fixed number
of queries whatever their length."""

from __future__ import annotations

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from branches import scoping
from members.models import FlagKind, Member, MemberFlag

from .models import CareRecord, Household, Pairing, PairingVisit, VolunteerKind, VolunteerRecord

ZERO = Value(0, output_field=DecimalField(max_digits=8, decimal_places=1))


def households_of(user, org, action: str = scoping.VIEW):
    return (
        Household.objects.visible_to(user, action)
        .filter(organization__path__descendant_of=org.path)
        .select_related("organization")
        .annotate(
            open_pairings=Count("pairings", filter=Q(pairings__ended_on__isnull=True)),
        )
        .order_by("closed_on", "head_name", "pk")
    )


def pairings_of(user, org):
    return (
        Pairing.objects.visible_to(user)
        .filter(branch__path__descendant_of=org.path)
        .select_related("member", "household", "branch")
        .annotate(visit_count=Count("visits"), last_visit=Max("visits__on"))
        .order_by("ended_on", "household__head_name", "member__name", "pk")
    )


def able_members(user, org, action: str = scoping.VIEW):
    """Current members of the subtree without an active aged-or-infirm flag."""
    aged = MemberFlag.objects.filter(
        member=OuterRef("pk"), kind=FlagKind.AGED_INFIRM, cleared_on__isnull=True
    )
    return (
        Member.objects.visible_to(user, action)
        .filter(branch__path__descendant_of=org.path, left_on__isnull=True)
        .exclude(Exists(aged))
        .order_by("name", "pk")
    )


def unpaired_able_members(user, org):
    open_pairing = Pairing.objects.filter(member=OuterRef("pk"), ended_on__isnull=True)
    return able_members(user, org).exclude(Exists(open_pairing))


def pairing_visible(user):
    return Pairing.objects.visible_to(user).select_related(
        "member", "household", "branch", "created_by"
    )


def visits_of(user, pairing):
    return (
        PairingVisit.objects.visible_to(user)
        .filter(pairing=pairing)
        .select_related("recorded_by")
        .order_by("-on", "-pk")
    )


def my_pairings(user):
    """The member's own pairings with their visits (no household contact is shown)."""
    return (
        Pairing.objects.visible_to(user)
        .filter(member__user=user)
        .select_related("household")
        .prefetch_related(Prefetch("visits", queryset=PairingVisit.objects.order_by("-on", "-pk")))
        .order_by("ended_on", "-started_on", "pk")
    )


# --- Volunteering -------------------------------------------------------------------


def volunteering_records(user, org, *, year: int, kind: str = ""):
    records = (
        VolunteerRecord.objects.visible_to(user)
        .filter(branch__path__descendant_of=org.path, on__year=year)
        .select_related("member", "recorded_by", "branch")
    )
    if kind in VolunteerKind.values:
        records = records.filter(kind=kind)
    return records.order_by("-on", "member__name", "-pk")


def volunteering_totals(user, org, *, year: int, kind: str = ""):
    """Per member of the subtree (current, or with records that year): hours,
    count and hours by kind for the year. One query."""
    in_year = Q(volunteering__on__year=year, volunteering__branch__path__descendant_of=org.path)
    if kind in VolunteerKind.values:
        in_year &= Q(volunteering__kind=kind)
    has_records = VolunteerRecord.objects.filter(
        member=OuterRef("pk"), on__year=year, branch__path__descendant_of=org.path
    )
    annotations = {
        "hours": Coalesce(Sum("volunteering__hours", filter=in_year), ZERO),
        "records": Count("volunteering", filter=in_year),
        "donated": Sum("volunteering__amount", filter=in_year),
    }
    for value in VolunteerKind.values:
        annotations[f"h_{value}"] = Sum(
            "volunteering__hours", filter=in_year & Q(volunteering__kind=value)
        )
        annotations[f"n_{value}"] = Count(
            "volunteering", filter=in_year & Q(volunteering__kind=value)
        )
    return (
        Member.objects.visible_to(user)
        .filter(
            Q(branch__path__descendant_of=org.path, left_on__isnull=True) | Q(Exists(has_records))
        )
        .annotate(**annotations)
        .select_related("branch")
        .order_by("-hours", "name", "pk")
    )


def by_kind(row) -> list[tuple[str, object, int]]:
    """(label, hours, count) of the kinds the member did, from volunteering_totals."""
    out = []
    for value, label in VolunteerKind.choices:
        count = getattr(row, f"n_{value}")
        if count:
            out.append((label, getattr(row, f"h_{value}"), count))
    return out


def my_volunteering(user):
    return (
        VolunteerRecord.objects.visible_to(user)
        .filter(member__user=user)
        .select_related("recorded_by", "member")
        .order_by("-on", "-pk")
    )


# --- Care for members in hardship --------------------------------------------------


def hardship_members(user, org, *, year: int):
    """Current members of the subtree with an active hardship flag, their last
    help and whether they were visited or helped this year; those not helped
    this year first. One query."""
    flag = MemberFlag.objects.filter(
        member=OuterRef("pk"), kind=FlagKind.HARDSHIP, cleared_on__isnull=True
    )
    care = CareRecord.objects.filter(member=OuterRef("pk")).order_by("-on", "-pk")
    return (
        Member.objects.visible_to(user)
        .filter(branch__path__descendant_of=org.path, left_on__isnull=True)
        .filter(Exists(flag))
        .annotate(
            flag_since=Subquery(flag.values("set_on")[:1]),
            flag_note=Subquery(flag.values("note")[:1]),
            last_on=Subquery(care.values("on")[:1]),
            last_kind=Subquery(care.values("kind")[:1]),
            last_support=Subquery(care.values("support")[:1]),
            helped_this_year=Exists(
                CareRecord.objects.filter(member=OuterRef("pk"), on__year=year)
            ),
        )
        .select_related("branch")
        .order_by("helped_this_year", F("last_on").asc(nulls_first=True), "name", "pk")
    )


def care_records_of(user, org, *, limit: int = 50):
    return (
        CareRecord.objects.visible_to(user)
        .filter(branch__path__descendant_of=org.path)
        .select_related("member", "recorded_by")
        .order_by("-on", "-pk")[:limit]
    )
