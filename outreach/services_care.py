"""Writes of care: households in difficulty, pairings (结对帮扶) and their visits,
volunteering (社会公益活动) and care for members in hardship (document 2,
二（一）, 二（四）).

Keyword-only, atomic, scope checked inside the transaction, under a pghistory
context naming the actor; a ValidationError names the field.

A member's own volunteering entry counts at once (there is no confirmation
status on the model): the branch sees it marked as entered by the member and
may delete a false one; every insert and delete is audited.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, User
from members.models import FlagKind, Member, MemberFlag

from .models import (
    CareKind,
    CareRecord,
    Household,
    Pairing,
    PairingVisit,
    VolunteerKind,
    VolunteerRecord,
)

MAX_HOURS = Decimal(24)
HALF = Decimal("0.5")


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def _not_future(field: str, on: date | None) -> None:
    if on is None:
        raise ValidationError({field: _("Give the date.")})
    if on > timezone.localdate():
        raise ValidationError({field: _("The date is in the future.")})


def _required(field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _covers(org: Organization, inner: Organization) -> bool:
    """Is `inner` the organisation `org` itself or inside its subtree?"""
    return inner.path == org.path or inner.path.startswith(org.path + ".")


def is_able(member: Member) -> bool:
    """A current member without an active aged-or-infirm flag (one query)."""
    return (
        member.left_on is None
        and not MemberFlag.objects.filter(
            member=member, kind=FlagKind.AGED_INFIRM, cleared_on__isnull=True
        ).exists()
    )


def in_hardship(member: Member) -> bool:
    return MemberFlag.objects.filter(
        member=member, kind=FlagKind.HARDSHIP, cleared_on__isnull=True
    ).exists()


# --- Households -------------------------------------------------------------------


HOUSEHOLD_FIELDS = ("head_name", "locality", "difficulty", "contact", "consent_on")


def _clean_household(fields: dict) -> dict:
    cleaned = {
        "head_name": _required(
            "head_name", fields.get("head_name", ""), _("Give the head of the household.")
        ),
        "locality": _required(
            "locality", fields.get("locality", ""), _("Give the village or community.")
        ),
        "difficulty": _required(
            "difficulty", fields.get("difficulty", ""), _("Describe the difficulty.")
        ),
        "contact": (fields.get("contact") or "").strip(),
    }
    consent_on = fields.get("consent_on")
    if consent_on is None:
        raise ValidationError(
            {"consent_on": _("A household is recorded only with its consent: give the date.")}
        )
    _not_future("consent_on", consent_on)
    cleaned["consent_on"] = consent_on
    return cleaned


@transaction.atomic
def household_create(
    *,
    actor: User,
    organization: Organization,
    head_name: str,
    locality: str,
    difficulty: str,
    consent_on: date | None,
    contact: str = "",
) -> Household:
    """Record a household in difficulty, with the date it consented."""
    with _audit(actor, "outreach.household_create"):
        organization = Organization.objects.get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        if organization.dissolved is not None:
            raise ValidationError(
                {"organization": _("%(org)s is dissolved.") % {"org": organization}}
            )
        fields = _clean_household(
            {
                "head_name": head_name,
                "locality": locality,
                "difficulty": difficulty,
                "contact": contact,
                "consent_on": consent_on,
            }
        )
        return Household.objects.create(organization=organization, created_by=actor, **fields)


@transaction.atomic
def household_update(*, actor: User, household: Household, **changes) -> Household:
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    with _audit(actor, "outreach.household_update"):
        household = Household.objects.select_for_update().get(pk=household.pk)
        scoping.require(actor, scoping.CHANGE, household.organization)
        current = {f: getattr(household, f) for f in HOUSEHOLD_FIELDS}
        fields = _clean_household({**current, **changes})
        for name, value in fields.items():
            setattr(household, name, value)
        household.save(update_fields=list(fields))
        return household


@transaction.atomic
def household_close(*, actor: User, household: Household, on: date, note: str = "") -> Household:
    """The household is no longer in difficulty; its open pairings end with `note`."""
    with _audit(actor, "outreach.household_close"):
        household = Household.objects.select_for_update().get(pk=household.pk)
        scoping.require(actor, scoping.CHANGE, household.organization)
        if household.closed_on is not None:
            raise ValidationError(
                {
                    "closed_on": _("The household was closed on %(on)s.")
                    % {"on": household.closed_on}
                }
            )
        _not_future("closed_on", on)
        if on < household.consent_on:
            raise ValidationError({"closed_on": _("The date is before the consent.")})
        open_pairings = list(
            Pairing.objects.select_for_update().filter(household=household, ended_on__isnull=True)
        )
        note = (note or "").strip()
        if open_pairings and not note:
            raise ValidationError(
                {"note": _("The household has open pairings: write a closing note for them.")}
            )
        for pairing in open_pairings:
            if on < pairing.started_on:
                raise ValidationError(
                    {
                        "closed_on": _("A pairing started after this date (%(on)s).")
                        % {"on": pairing.started_on}
                    }
                )
            pairing.ended_on, pairing.end_note = on, note
            pairing.save(update_fields=["ended_on", "end_note"])
        household.closed_on = on
        household.save(update_fields=["closed_on"])
        return household


# --- Pairings ---------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    actor: User,
    member: Member,
    household: Household,
    started_on: date,
    goal: str = "",
) -> Pairing:
    """The branch pairs an able member with a household of its scope (二（一）)."""
    with _audit(actor, "outreach.pairing_create"):
        member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
        branch = member.branch
        scoping.require(actor, scoping.CHANGE, branch)
        household = (
            Household.objects.select_for_update()
            .select_related("organization")
            .filter(pk=household.pk)
            .first()
        )
        visible = Household.objects.visible_to(actor, scoping.CHANGE).filter(pk=household.pk)
        if household is None or not visible.exists():
            raise Http404(_("No such household."))
        if member.left_on is not None:
            raise ValidationError({"member": _("%(name)s has left.") % {"name": member}})
        if not is_able(member):
            raise ValidationError(
                {
                    "member": _("%(name)s is aged or infirm and is not asked to pair.")
                    % {"name": member}
                }
            )
        if not _covers(household.organization, branch):
            raise ValidationError(
                {
                    "household": _("%(household)s is not in the reach of %(branch)s.")
                    % {"household": household, "branch": branch}
                }
            )
        if household.closed_on is not None:
            raise ValidationError(
                {
                    "household": _("%(household)s is no longer in difficulty.")
                    % {"household": household}
                }
            )
        if Pairing.objects.filter(
            member=member, household=household, ended_on__isnull=True
        ).exists():
            raise ValidationError(
                {
                    "household": _("%(name)s is already paired with %(household)s.")
                    % {"name": member, "household": household}
                }
            )
        _not_future("started_on", started_on)
        if started_on < household.consent_on:
            raise ValidationError(
                {"started_on": _("The pairing cannot start before the household's consent.")}
            )
        return Pairing.objects.create(
            member=member,
            household=household,
            branch=branch,
            started_on=started_on,
            goal=(goal or "").strip(),
            created_by=actor,
        )


def _lock_pairing(pairing: Pairing) -> Pairing:
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("branch", "member", "household")
        .get(pk=pairing.pk)
    )


@transaction.atomic
def pairing_end(*, actor: User, pairing: Pairing, ended_on: date, end_note: str) -> Pairing:
    with _audit(actor, "outreach.pairing_end"):
        pairing = _lock_pairing(pairing)
        scoping.require(actor, scoping.CHANGE, pairing.branch)
        if pairing.ended_on is not None:
            raise ValidationError(
                {"ended_on": _("The pairing ended on %(on)s.") % {"on": pairing.ended_on}}
            )
        _not_future("ended_on", ended_on)
        if ended_on < pairing.started_on:
            raise ValidationError({"ended_on": _("The end is before the start of the pairing.")})
        note = _required(
            "end_note", end_note, _("Write a closing note: what the help achieved and why it ends.")
        )
        pairing.ended_on, pairing.end_note = ended_on, note
        pairing.save(update_fields=["ended_on", "end_note"])
        return pairing


def may_record_visit(user, pairing: Pairing) -> bool:
    """The branch, or the paired member on their own open pairing."""
    if pairing.ended_on is not None:
        return False
    return scoping.can(user, scoping.CHANGE, pairing.branch) or (
        user.is_authenticated and pairing.member.user_id == user.pk
    )


@transaction.atomic
def pairing_visit_record(
    *,
    actor: User,
    pairing: Pairing,
    on: date,
    help_given: str,
    household_progress: str = "",
) -> PairingVisit:
    """A visit: the help given and the household's own progress (自强自立)."""
    with _audit(actor, "outreach.pairing_visit"):
        pairing = _lock_pairing(pairing)
        if pairing.member.user_id != actor.pk:
            scoping.require(actor, scoping.CHANGE, pairing.branch)
        if pairing.ended_on is not None:
            raise ValidationError(
                {"on": _("The pairing ended on %(on)s.") % {"on": pairing.ended_on}}
            )
        _not_future("on", on)
        if on < pairing.started_on:
            raise ValidationError({"on": _("The visit is before the start of the pairing.")})
        help_given = _required("help_given", help_given, _("Say what help was given."))
        return PairingVisit.objects.create(
            pairing=pairing,
            on=on,
            help_given=help_given,
            household_progress=(household_progress or "").strip(),
            recorded_by=actor,
        )


# --- Volunteering -----------------------------------------------------------------


def _clean_volunteering(
    *, kind: str, on: date, hours, organiser: str, description: str, amount
) -> dict:
    if kind not in VolunteerKind.values:
        raise ValidationError({"kind": _("Choose the kind of activity.")})
    _not_future("on", on)
    if hours is None:
        raise ValidationError({"hours": _("Give the hours.")})
    hours = Decimal(str(hours))
    donation = kind == VolunteerKind.DONATION
    low_ok = hours >= 0 if donation else hours > 0
    if not low_ok or hours > MAX_HOURS:
        raise ValidationError(
            {"hours": _("Hours are more than 0 and at most 24 (a donation may have 0).")}
        )
    if hours % HALF:
        raise ValidationError({"hours": _("Give the hours in half hours (e.g. 1.5).")})
    description = _required("description", description, _("Describe the activity."))
    if donation:
        if amount is None or Decimal(str(amount)) <= 0:
            raise ValidationError({"amount": _("Give the amount donated.")})
        amount = Decimal(str(amount))
    elif amount not in (None, ""):
        raise ValidationError({"amount": _("An amount is given only for a donation.")})
    else:
        amount = None
    return {
        "kind": kind,
        "on": on,
        "hours": hours,
        "organiser": (organiser or "").strip(),
        "description": description,
        "amount": amount,
    }


@transaction.atomic
def volunteering_record(
    *,
    actor: User,
    organization: Organization,
    members: list[Member],
    kind: str,
    on: date,
    hours,
    description: str,
    organiser: str = "",
    amount=None,
) -> list[VolunteerRecord]:
    """The branch records one activity for one or several of its current members;
    all of them or none."""
    with _audit(actor, "outreach.volunteering_record"):
        organization = Organization.objects.get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        ids = sorted({m.pk for m in members})
        if not ids:
            raise ValidationError({"members": _("Choose at least one member.")})
        locked = list(
            Member.objects.select_for_update(of=("self",))
            .select_related("branch")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        outside = [
            m for m in locked if m.left_on is not None or not _covers(organization, m.branch)
        ]
        if outside or len(locked) != len(ids):
            names = "、".join(m.name for m in outside) or "?"
            raise ValidationError(
                {
                    "members": _("Not current members of %(org)s: %(names)s. Nothing was recorded.")
                    % {"org": organization, "names": names}
                }
            )
        fields = _clean_volunteering(
            kind=kind,
            on=on,
            hours=hours,
            organiser=organiser,
            description=description,
            amount=amount,
        )
        records = [
            VolunteerRecord(member=m, branch=m.branch, recorded_by=actor, **fields) for m in locked
        ]
        return VolunteerRecord.objects.bulk_create(records)


def own_member(user) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user, left_on__isnull=True).select_related("branch").first()


@transaction.atomic
def volunteering_record_own(
    *,
    actor: User,
    kind: str,
    on: date,
    hours,
    description: str,
    organiser: str = "",
    amount=None,
) -> VolunteerRecord:
    """A member records their own activity; it counts at once (the branch may
    delete a false one)."""
    with _audit(actor, "outreach.volunteering_own"):
        member = own_member(actor)
        if member is None:
            raise ValidationError(
                {"member": _("Your login is not linked to a current member record.")}
            )
        member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
        scoping.require(actor, scoping.VIEW, member.branch)
        fields = _clean_volunteering(
            kind=kind,
            on=on,
            hours=hours,
            organiser=organiser,
            description=description,
            amount=amount,
        )
        return VolunteerRecord.objects.create(
            member=member, branch=member.branch, recorded_by=actor, **fields
        )


def may_delete_volunteering(user, record: VolunteerRecord) -> bool:
    return scoping.can(user, scoping.CHANGE, record.branch) or (
        record.recorded_by_id == user.pk and record.member.user_id == user.pk
    )


@transaction.atomic
def volunteering_delete(*, actor: User, record: VolunteerRecord) -> None:
    """The branch deletes a false record; a member may delete one they entered."""
    with _audit(actor, "outreach.volunteering_delete"):
        record = (
            VolunteerRecord.objects.select_for_update(of=("self",))
            .select_related("branch", "member")
            .get(pk=record.pk)
        )
        own = record.recorded_by_id == actor.pk and record.member.user_id == actor.pk
        if not own:
            scoping.require(actor, scoping.CHANGE, record.branch)
        record.delete()


# --- Care for members in hardship -------------------------------------------------


@transaction.atomic
def care_record(
    *,
    actor: User,
    member: Member,
    kind: str,
    on: date,
    support: str,
    amount=None,
    given_by: str = "",
) -> CareRecord:
    """Help given to a member with an active hardship flag."""
    with _audit(actor, "outreach.care_record"):
        member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        if not in_hardship(member):
            raise ValidationError(
                {"member": _("%(name)s is not flagged as a member in hardship.") % {"name": member}}
            )
        if kind not in CareKind.values:
            raise ValidationError({"kind": _("Choose the kind of help.")})
        _not_future("on", on)
        support = _required("support", support, _("Say what support was given."))
        if amount in ("",):
            amount = None
        if amount is not None:
            amount = Decimal(str(amount))
            if amount <= 0:
                raise ValidationError({"amount": _("The amount is more than 0.")})
        if kind == CareKind.MONEY and amount is None:
            raise ValidationError({"amount": _("Give the amount of the financial support.")})
        return CareRecord.objects.create(
            member=member,
            branch=member.branch,
            kind=kind,
            on=on,
            support=support,
            amount=amount,
            given_by=(given_by or "").strip(),
            recorded_by=actor,
        )
