"""Writes of service stations, reception of the public and cases (document 2,
二（六）, 三（二）, 三（三）).

Keyword-only, atomic, scope checked inside the transaction, under a
pghistory context naming the actor and the step; notes of a step (a later
deadline, a reopening) go into that context, so the case's history keeps them.

A case: entered the same way whatever the channel; the feedback deadline is
the day received plus the policy `case_feedback_days` (15 by default); it may
be set earlier, later only with a note. The answer is "solved", or
"explained" (not yet solvable: explained to the requester, and the
department following it up is named). Then the requester's satisfaction:
satisfied, fairly or not given closes the case; an unsatisfied requester's
case is reopened, with a note and a fresh deadline.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, Reminder, User
from branches.policies import policy_in_force
from members.models import Member

from .models import (
    Case,
    CaseChannel,
    CaseStatus,
    ReceptionSlot,
    Satisfaction,
    ServiceStation,
    StationKind,
)

ANSWERED = (CaseStatus.SOLVED, CaseStatus.EXPLAINED)
LEADER_LEVELS = ("provincial", "city", "county")


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def policy_deadline(organization: Organization, received_on: date) -> date:
    """The latest feedback day the policy allows for a case received on `received_on`."""
    days = policy_in_force(organization, "case_feedback_days", received_on)
    return received_on + timedelta(days=days)


def case_reminder_key(case_id: int) -> str:
    return f"case_overdue:{case_id}"


def resolve_overdue_reminder(case: Case) -> int:
    return Reminder.objects.filter(key=case_reminder_key(case.pk), resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


# --- Service stations and points -------------------------------------------------------


def _station_fields(kind, name, address, services, opening_hours) -> dict:
    if kind not in StationKind.values:
        raise ValidationError({"kind": _("Choose a station or a point.")})
    return {
        "kind": kind,
        "name": _required(name, "name", _("Give the name.")),
        "address": _required(address, "address", _("Give the address.")),
        "services": _required(services, "services", _("Say which services are offered.")),
        "opening_hours": _required(opening_hours, "opening_hours", _("Give the opening times.")),
    }


@transaction.atomic
def station_create(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    name: str,
    address: str,
    services: str,
    opening_hours: str,
    phone: str = "",
    active: bool = True,
) -> ServiceStation:
    """Register a service station (党员服务站) or point (服务点), document 2, 三（二）."""
    with _audit(actor, "outreach.station_create"):
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        fields = _station_fields(kind, name, address, services, opening_hours)
        return ServiceStation.objects.create(
            organization=organization, phone=(phone or "").strip(), active=active, **fields
        )


@transaction.atomic
def station_update(
    *,
    actor: User,
    station: ServiceStation,
    kind: str,
    name: str,
    address: str,
    services: str,
    opening_hours: str,
    phone: str = "",
    active: bool = True,
) -> ServiceStation:
    with _audit(actor, "outreach.station_update"):
        station = (
            ServiceStation.objects.select_for_update()
            .select_related("organization")
            .get(pk=station.pk)
        )
        scoping.require(actor, scoping.CHANGE, station.organization)
        for key, value in _station_fields(kind, name, address, services, opening_hours).items():
            setattr(station, key, value)
        station.phone = (phone or "").strip()
        station.active = active
        station.save()
        return station


# --- Reception of the public -----------------------------------------------------------


@transaction.atomic
def reception_create(
    *,
    actor: User,
    organization: Organization,
    leader: Member,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    note: str = "",
) -> ReceptionSlot:
    """Schedule a leader's reception of the public (document 2, 二（六）)."""
    with _audit(actor, "outreach.reception_create"):
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        if not Member.objects.visible_to(actor).filter(pk=leader.pk).exists():
            raise ValidationError({"leader": _("No such member.")})
        leader = Member.objects.get(pk=leader.pk)
        if leader.left_on is not None or leader.leadership_level not in LEADER_LEVELS:
            raise ValidationError(
                {"leader": _("%(name)s is not a current leading cadre.") % {"name": leader}}
            )
        if ends_at <= starts_at:
            raise ValidationError({"ends_at": _("The reception ends after it starts.")})
        return ReceptionSlot.objects.create(
            organization=organization,
            leader=leader,
            starts_at=starts_at,
            ends_at=ends_at,
            place=_required(place, "place", _("Give the place.")),
            note=(note or "").strip(),
        )


# --- Cases ---------------------------------------------------------------------------


def _lock_case(case: Case) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.organization = Organization.objects.get(pk=case.organization_id)
    return case


def _status_error(case: Case, expected: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("The case is “%(status)s”; this step needs: %(expected)s.")
            % {"status": case.get_status_display(), "expected": expected}
        }
    )


def handler_error(organization: Organization) -> str:
    return _("The handler must be someone who may act for %(org)s.") % {"org": organization}


def _check_handler(handler: User | None, organization: Organization) -> User:
    if handler is None or not scoping.can(handler, scoping.CHANGE, organization):
        raise ValidationError({"handler": handler_error(organization)})
    return handler


def _check_deadline(organization, received_on, feedback_due, deadline_note) -> tuple[date, str]:
    latest = policy_deadline(organization, received_on)
    if feedback_due is None:
        return latest, ""
    if feedback_due < received_on:
        raise ValidationError(
            {"feedback_due": _("The feedback is due on or after the day received.")}
        )
    note = (deadline_note or "").strip()
    if feedback_due > latest and not note:
        raise ValidationError(
            {
                "feedback_due": _(
                    "The policy asks for feedback by %(day)s; a later day needs a note saying why."
                )
                % {"day": latest}
            }
        )
    return feedback_due, note if feedback_due > latest else ""


@transaction.atomic
def case_create(
    *,
    actor: User,
    organization: Organization,
    channel: str,
    received_on: date,
    requester_name: str,
    request: str,
    handler: User | None = None,
    requester_contact: str = "",
    feedback_due: date | None = None,
    deadline_note: str = "",
    reception: ReceptionSlot | None = None,
    station: ServiceStation | None = None,
) -> Case:
    """Record a request or complaint of the public, from whatever channel.

    The feedback deadline defaults to the day received plus the policy days.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    scoping.require(actor, scoping.CHANGE, organization)
    if channel not in CaseChannel.values:
        raise ValidationError({"channel": _("Choose how the case was raised.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The day received is in the future.")})
    if channel == CaseChannel.RECEPTION:
        if (
            reception is None
            or not ReceptionSlot.objects.visible_to(actor).filter(pk=reception.pk).exists()
        ):
            raise ValidationError({"reception": _("Name the reception it was raised at.")})
    else:
        reception = None
    if channel == CaseChannel.STATION:
        if (
            station is None
            or not ServiceStation.objects.visible_to(actor).filter(pk=station.pk).exists()
        ):
            raise ValidationError({"station": _("Name the service station or point.")})
    else:
        station = None
    handler = _check_handler(handler or actor, organization)
    due, note = _check_deadline(organization, received_on, feedback_due, deadline_note)
    fields = {
        "requester_name": _required(
            requester_name, "requester_name", _("Give the requester's name.")
        ),
        "request": _required(request, "request", _("Say what the requester asks for.")),
    }
    with _audit(actor, "outreach.case_create", note=note):
        return Case.objects.create(
            organization=organization,
            channel=channel,
            reception=reception,
            station=station,
            received_on=received_on,
            requester_contact=(requester_contact or "").strip(),
            handler=handler,
            feedback_due=due,
            created_by=actor,
            **fields,
        )


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    handler: User,
    feedback_due: date,
    deadline_note: str = "",
) -> Case:
    """Hand an open case to someone else or move its deadline (later only with a note)."""
    case = _lock_case(case)
    scoping.require(actor, scoping.CHANGE, case.organization)
    if case.status != CaseStatus.OPEN:
        raise _status_error(case, CaseStatus.OPEN.label)
    case.handler = _check_handler(handler, case.organization)
    # Earlier is always fine; later than both the current deadline and the
    # policy's (a reopened case has a fresh one) needs a note.
    latest_now = max(case.feedback_due, policy_deadline(case.organization, case.received_on))
    note = (deadline_note or "").strip()
    if feedback_due < case.received_on:
        raise ValidationError(
            {"feedback_due": _("The feedback is due on or after the day received.")}
        )
    if feedback_due > latest_now and not note:
        raise ValidationError(
            {
                "feedback_due": _(
                    "The policy asks for feedback by %(day)s; a later day needs a note saying why."
                )
                % {"day": latest_now}
            }
        )
    today = timezone.localdate()
    if feedback_due > case.feedback_due and case.feedback_due < today:
        # A late case stays late: no case passes its deadline silently.
        raise ValidationError(
            {
                "feedback_due": _(
                    "The feedback was due on %(day)s and is overdue: give the feedback, "
                    "the deadline cannot be moved later."
                )
                % {"day": case.feedback_due}
            }
        )
    case.feedback_due = feedback_due
    with _audit(actor, "outreach.case_update", note=note):
        case.save()
    return case


@transaction.atomic
def case_answer(
    *,
    actor: User,
    case: Case,
    status: str,
    outcome: str,
    feedback_on: date,
    follow_up_department: str = "",
) -> Case:
    """Give the requester feedback: solved, or explained why not yet and who follows up."""
    case = _lock_case(case)
    scoping.require(actor, scoping.CHANGE, case.organization)
    if case.status != CaseStatus.OPEN:
        raise _status_error(case, CaseStatus.OPEN.label)
    if status not in ANSWERED:
        raise ValidationError({"status": _("Say whether it was solved or explained.")})
    outcome = _required(outcome, "outcome", _("Say what was done or explained."))
    department = (follow_up_department or "").strip()
    if status == CaseStatus.EXPLAINED and not department:
        raise ValidationError(
            {
                "follow_up_department": _(
                    "A case not yet solvable needs the department that follows it up."
                )
            }
        )
    if feedback_on < case.received_on:
        raise ValidationError({"feedback_on": _("The feedback is before the day received.")})
    if feedback_on > timezone.localdate():
        raise ValidationError({"feedback_on": _("The feedback day is in the future.")})
    case.status = status
    case.outcome = outcome
    case.follow_up_department = department if status == CaseStatus.EXPLAINED else ""
    case.feedback_on = feedback_on
    if case.overdue_since is None and feedback_on > case.feedback_due:
        case.overdue_since = case.feedback_due + timedelta(days=1)  # answered late: keep it
    with _audit(actor, "outreach.case_answer"):
        case.save()
    resolve_overdue_reminder(case)
    return case


@transaction.atomic
def case_close(*, actor: User, case: Case, satisfaction: str) -> Case:
    """Record the requester's satisfaction with the answer and close the case."""
    case = _lock_case(case)
    scoping.require(actor, scoping.CHANGE, case.organization)
    if case.status not in ANSWERED:
        raise _status_error(case, _("an answer given"))
    if satisfaction == Satisfaction.UNSATISFIED:
        raise ValidationError(
            {"satisfaction": _("An unsatisfied requester's case is reopened, with a note.")}
        )
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose the requester's satisfaction.")})
    case.satisfaction = satisfaction
    case.status = CaseStatus.CLOSED
    with _audit(actor, "outreach.case_close"):
        case.save()
    return case


@transaction.atomic
def case_reopen(*, actor: User, case: Case, note: str, on: date | None = None) -> Case:
    """The requester is not satisfied: the case is open again, with a fresh deadline."""
    case = _lock_case(case)
    scoping.require(actor, scoping.CHANGE, case.organization)
    if case.status == CaseStatus.OPEN:
        raise _status_error(case, _("an answer given"))
    note = _required(note, "note", _("Say why the case is reopened."))
    on = on or timezone.localdate()
    if on > timezone.localdate() or (case.feedback_on and on < case.feedback_on):
        raise ValidationError(
            {"on": _("The case is reopened after the feedback, not later than today.")}
        )
    case.status = CaseStatus.OPEN
    case.satisfaction = Satisfaction.UNSATISFIED
    case.feedback_on = None
    case.overdue_since = None
    case.feedback_due = policy_deadline(case.organization, on)
    with _audit(actor, "outreach.case_reopen", note=note):
        case.save()
    return case
