"""Writes of responsibilities, leading groups, commendations and accountability
records (document 4). Keyword-only, atomic, scope checked inside the
transaction (`scoping.require`, 404 when invisible, 403 when only visible),
under a pghistory context naming the actor and the step.
"""

from __future__ import annotations

from datetime import date, timedelta

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, User
from members.models import Member

from .models import (
    COMMITTEE_KINDS,
    SINGLE_ROLES,
    AccountabilityMeasure,
    AccountabilityRecord,
    Commendation,
    CommendationKind,
    CommendationStatus,
    LeadingGroup,
    LeadingGroupMeeting,
    LeadingGroupMember,
    LeadingGroupRole,
    ResponsibilityAssignment,
    ResponsibilityRole,
)


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _locked_org(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _is_below(org: Organization, above: Organization) -> bool:
    return org.path.startswith(above.path + ".")


def _not_future(day: date | None, field: str) -> date:
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({field: _("The date is in the future.")})
    return day


def _committee(organization: Organization) -> None:
    if organization.kind not in COMMITTEE_KINDS:
        raise ValidationError(
            {
                "organization": _(
                    "%(org)s is not a local party committee or a department party group or "
                    "committee."
                )
                % {"org": organization}
            }
        )
    if organization.dissolved is not None:
        raise ValidationError({"organization": _("%(org)s is dissolved.") % {"org": organization}})


def _member_of_subtree(member: Member | None, organization: Organization, field="member"):
    if member is None:
        raise ValidationError({field: _("Choose the person.")})
    member = Member.objects.select_related("branch").get(pk=member.pk)
    if member.left_on is not None:
        raise ValidationError({field: _("%(name)s has left the party.") % {"name": member}})
    branch = member.branch
    if not (branch.pk == organization.pk or _is_below(branch, organization)):
        raise ValidationError(
            {
                field: _("%(name)s is not a member within %(org)s.")
                % {"name": member, "org": organization}
            }
        )
    return member


# 一 — responsibility assignments


@transaction.atomic
def assignment_start(
    *,
    actor: User,
    organization: Organization,
    role: str,
    member: Member,
    post: str,
    duties: str = "",
    valid_from: date | None = None,
) -> ResponsibilityAssignment:
    """Name who answers for party building. A new first or directly responsible
    person ends the current one the day before (the old row is kept)."""
    organization = _locked_org(organization)
    scoping.require(actor, scoping.CHANGE, organization)
    _committee(organization)
    if role not in ResponsibilityRole.values:
        raise ValidationError({"role": _("Choose the responsibility.")})
    member = _member_of_subtree(member, organization)
    post = _required(post, "post", _("Give the person's post."))
    duties = (duties or "").strip()
    if role == ResponsibilityRole.SHARED and not duties:
        raise ValidationError({"duties": _("Say what this member answers for (一岗双责).")})
    valid_from = _not_future(valid_from, "valid_from")
    current = ResponsibilityAssignment.objects.select_for_update().filter(
        organization=organization, valid_to__isnull=True
    )
    if current.filter(member=member).exists():
        raise ValidationError(
            {
                "member": _("%(name)s already holds a responsibility here; end it first.")
                % {"name": member}
            }
        )
    with _audit(actor, "responsibility.assignment_start"):
        if role in SINGLE_ROLES:
            previous = current.filter(role=role).first()
            if previous is not None:
                if previous.valid_from >= valid_from:
                    raise ValidationError(
                        {
                            "valid_from": _(
                                "%(name)s holds it since %(day)s; the successor starts later."
                            )
                            % {"name": previous.member, "day": previous.valid_from}
                        }
                    )
                previous.valid_to = valid_from - timedelta(days=1)
                previous.ended_by = actor
                previous.save(update_fields=["valid_to", "ended_by"])
        return ResponsibilityAssignment.objects.create(
            organization=organization,
            role=role,
            member=member,
            post=post,
            duties=duties,
            valid_from=valid_from,
            created_by=actor,
        )


@transaction.atomic
def assignment_end(
    *, actor: User, assignment: ResponsibilityAssignment, valid_to: date | None = None
) -> ResponsibilityAssignment:
    """End a responsibility (kept in the history)."""
    assignment = ResponsibilityAssignment.objects.select_for_update().get(pk=assignment.pk)
    scoping.require(actor, scoping.CHANGE, assignment.organization)
    if assignment.valid_to is not None:
        raise ValidationError({"valid_to": _("This responsibility has already ended.")})
    valid_to = _not_future(valid_to, "valid_to")
    if valid_to < assignment.valid_from:
        raise ValidationError({"valid_to": _("The end is on or after the start.")})
    assignment.valid_to = valid_to
    assignment.ended_by = actor
    with _audit(actor, "responsibility.assignment_end"):
        assignment.save(update_fields=["valid_to", "ended_by"])
    return assignment


# 二 — leading groups


@transaction.atomic
def group_set_up(
    *,
    actor: User,
    organization: Organization,
    set_up_on: date,
    name: str = "",
    remit: str = "",
) -> LeadingGroup:
    organization = _locked_org(organization)
    scoping.require(actor, scoping.CHANGE, organization)
    _committee(organization)
    if LeadingGroup.objects.filter(organization=organization).exists():
        raise ValidationError(
            {"organization": _("%(org)s already has a leading group.") % {"org": organization}}
        )
    set_up_on = _not_future(set_up_on, "set_up_on")
    # Stored data is Chinese, whatever the language of the request.
    name = (name or "").strip() or f"{organization.name}党建工作领导小组"
    with _audit(actor, "responsibility.group_set_up"):
        return LeadingGroup.objects.create(
            organization=organization,
            name=name[:100],
            set_up_on=set_up_on,
            remit=(remit or "").strip(),
            created_by=actor,
        )


def _lock_group(group: LeadingGroup) -> LeadingGroup:
    return LeadingGroup.objects.select_for_update().select_related("organization").get(pk=group.pk)


@transaction.atomic
def group_member_add(
    *,
    actor: User,
    group: LeadingGroup,
    member: Member,
    group_role: str,
    post: str,
    since: date | None = None,
) -> LeadingGroupMember:
    group = _lock_group(group)
    scoping.require(actor, scoping.CHANGE, group.organization)
    if group_role not in LeadingGroupRole.values:
        raise ValidationError({"group_role": _("Choose the role in the group.")})
    member = _member_of_subtree(member, group.organization)
    post = _required(post, "post", _("Give the person's post."))
    since = _not_future(since, "since")
    if since < group.set_up_on:
        raise ValidationError(
            {"since": _("The group was set up on %(day)s.") % {"day": group.set_up_on}}
        )
    current = LeadingGroupMember.objects.filter(group=group, until__isnull=True)
    if current.filter(member=member).exists():
        raise ValidationError({"member": _("%(name)s is in the group.") % {"name": member}})
    if group_role == LeadingGroupRole.HEAD and current.filter(group_role="head").exists():
        raise ValidationError(
            {"group_role": _("The group has a head; take the current head off first.")}
        )
    with _audit(actor, "responsibility.group_member_add"):
        return LeadingGroupMember.objects.create(
            group=group, member=member, group_role=group_role, post=post, since=since
        )


@transaction.atomic
def group_member_remove(
    *, actor: User, seat: LeadingGroupMember, until: date | None = None
) -> LeadingGroupMember:
    seat = LeadingGroupMember.objects.select_for_update().get(pk=seat.pk)
    group = _lock_group(seat.group)
    scoping.require(actor, scoping.CHANGE, group.organization)
    if seat.until is not None:
        raise ValidationError({"until": _("This person has already left the group.")})
    until = _not_future(until, "until")
    if until < seat.since:
        raise ValidationError({"until": _("The end is on or after the start.")})
    seat.until = until
    with _audit(actor, "responsibility.group_member_remove"):
        seat.save(update_fields=["until"])
    return seat


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    group: LeadingGroup,
    held_on: date,
    topics: str,
    decisions: str,
    attendees,
) -> LeadingGroupMeeting:
    """Record a meeting of the leading group; attendees are its members on that day."""
    group = _lock_group(group)
    scoping.require(actor, scoping.CHANGE, group.organization)
    held_on = _not_future(held_on, "held_on")
    if held_on < group.set_up_on:
        raise ValidationError(
            {"held_on": _("The group was set up on %(day)s.") % {"day": group.set_up_on}}
        )
    topics = _required(topics, "topics", _("Say what the meeting discussed."))
    decisions = _required(decisions, "decisions", _("Say what the meeting decided."))
    ids = {a.pk for a in attendees or []}
    seats = list(LeadingGroupMember.objects.filter(group=group, pk__in=ids))
    if not ids:
        raise ValidationError({"attendees": _("Name who attended.")})
    if len(seats) != len(ids) or not all(s.served_on(held_on) for s in seats):
        raise ValidationError(
            {"attendees": _("Attendees are members of the group on the day of the meeting.")}
        )
    with _audit(actor, "responsibility.meeting_record"):
        meeting = LeadingGroupMeeting.objects.create(
            group=group, held_on=held_on, topics=topics, decisions=decisions, recorded_by=actor
        )
        meeting.attendees.set(seats)
    return meeting


# 三 — 创先争优 commendations


@transaction.atomic
def commendation_nominate(
    *,
    actor: User,
    nominated_by: Organization,
    awarded_by: Organization,
    kind: str,
    year: int,
    deeds: str,
    nominee_org: Organization | None = None,
    nominee_member: Member | None = None,
) -> Commendation:
    """Nominate an organisation or a member to an organisation above for a commendation."""
    nominator = _locked_org(nominated_by)
    scoping.require(actor, scoping.CHANGE, nominator)
    if kind not in CommendationKind.values:
        raise ValidationError({"kind": _("Choose the commendation.")})
    if kind == CommendationKind.ADVANCED_ORGANIZATION:
        if nominee_org is None or nominee_member is not None:
            raise ValidationError(
                {"nominee_org": _("An advanced grassroots organisation names an organisation.")}
            )
        unit = Organization.objects.get(pk=nominee_org.pk)
        if unit.dissolved is not None:
            raise ValidationError({"nominee_org": _("%(org)s is dissolved.") % {"org": unit}})
        if unit.kind in COMMITTEE_KINDS:
            raise ValidationError(
                {
                    "nominee_org": _("%(org)s is not a grassroots party organisation.")
                    % {"org": unit}
                }
            )
        nominee_field = "nominee_org"
    else:
        if nominee_member is None or nominee_org is not None:
            raise ValidationError({"nominee_member": _("This commendation names a member.")})
        nominee_member = Member.objects.select_related("branch").get(pk=nominee_member.pk)
        if nominee_member.left_on is not None:
            raise ValidationError(
                {"nominee_member": _("%(name)s has left the party.") % {"name": nominee_member}}
            )
        unit = nominee_member.branch
        nominee_field = "nominee_member"
    if not (unit.pk == nominator.pk or _is_below(unit, nominator)):
        raise ValidationError(
            {
                nominee_field: _("%(nominee)s is not within %(org)s.")
                % {"nominee": nominee_org or nominee_member, "org": nominator}
            }
        )
    if awarded_by is None:
        raise ValidationError({"awarded_by": _("Choose the awarding organisation.")})
    awarder = Organization.objects.get(pk=awarded_by.pk)
    if not _is_below(unit, awarder) or not (
        awarder.pk == nominator.pk or _is_below(nominator, awarder)
    ):
        raise ValidationError(
            {
                "awarded_by": _(
                    "The awarding organisation is above the nominee and at or above the "
                    "nominating organisation."
                )
            }
        )
    if year is None or year < 2000 or year > timezone.localdate().year + 1:
        raise ValidationError({"year": _("Give the year of the commendation.")})
    deeds = _required(deeds, "deeds", _("Describe the deeds."))
    nominee_q = {nominee_field: nominee_org or nominee_member}
    same = Commendation.objects.filter(kind=kind, year=year, **nominee_q)
    if same.filter(status=CommendationStatus.AWARDED).exists():
        raise ValidationError(
            {
                nominee_field: _("The nominee already has this commendation for %(year)s.")
                % {"year": year}
            }
        )
    if same.filter(status=CommendationStatus.NOMINATED, awarded_by=awarder).exists():
        raise ValidationError(
            {nominee_field: _("The nominee is already nominated to %(org)s.") % {"org": awarder}}
        )
    with _audit(actor, "responsibility.commendation_nominate"):
        return Commendation.objects.create(
            kind=kind,
            year=year,
            nominee_unit=unit,
            nominated_by=nominator,
            awarded_by=awarder,
            deeds=deeds,
            created_by=actor,
            **nominee_q,
        )


def require_awarder(actor: User, commendation: Commendation) -> None:
    """The awarding organisation decides; the nominating side sees why it may not (403)."""
    if not scoping.can(actor, scoping.CHANGE, commendation.awarded_by) and scoping.can(
        actor, scoping.VIEW, commendation.nominee_unit
    ):
        raise PermissionDenied(
            _("Only %(org)s decides this nomination.") % {"org": commendation.awarded_by}
        )
    scoping.require(actor, scoping.CHANGE, commendation.awarded_by)


def _decide(actor, commendation, status, on, note, action) -> Commendation:
    commendation = (
        Commendation.objects.select_for_update()
        .select_related("awarded_by", "nominee_unit")
        .get(pk=commendation.pk)
    )
    require_awarder(actor, commendation)
    if commendation.status != CommendationStatus.NOMINATED:
        raise ValidationError(
            {
                "status": _("The nomination is already “%(status)s”.")
                % {"status": commendation.get_status_display()}
            }
        )
    commendation.status = status
    commendation.decided_on = _not_future(on, "decided_on")
    commendation.decided_by = actor
    commendation.note = (note or "").strip()
    try:
        with _audit(actor, action, note=commendation.note), transaction.atomic():
            commendation.save()
    except IntegrityError:
        raise ValidationError(
            {
                "status": _("The nominee already has this commendation for %(year)s.")
                % {"year": commendation.year}
            }
        ) from None
    return commendation


@transaction.atomic
def commendation_award(
    *, actor: User, commendation: Commendation, on: date | None = None, note: str = ""
) -> Commendation:
    return _decide(
        actor,
        commendation,
        CommendationStatus.AWARDED,
        on,
        note,
        "responsibility.commendation_award",
    )


@transaction.atomic
def commendation_decline(
    *, actor: User, commendation: Commendation, note: str, on: date | None = None
) -> Commendation:
    _required(note, "note", _("Say why the nomination is declined."))
    return _decide(
        actor,
        commendation,
        CommendationStatus.DECLINED,
        on,
        note,
        "responsibility.commendation_decline",
    )


# 五 — accountability records


@transaction.atomic
def record_create(
    *,
    actor: User,
    decided_by: Organization,
    organization: Organization,
    decided_on: date,
    failure: str,
    measure: str,
    member: Member | None = None,
) -> AccountabilityRecord:
    """Hold an organisation below (and optionally one of its members) to account."""
    decider = _locked_org(decided_by)
    scoping.require(actor, scoping.CHANGE, decider)
    if organization is None:
        raise ValidationError({"organization": _("Name the organisation held accountable.")})
    target = Organization.objects.get(pk=organization.pk)
    if not _is_below(target, decider):
        raise ValidationError(
            {
                "organization": _("%(org)s is not an organisation below %(decider)s.")
                % {"org": target, "decider": decider}
            }
        )
    if member is not None:
        member = _member_of_subtree(member, target)
    if measure not in AccountabilityMeasure.values:
        raise ValidationError({"measure": _("Choose the measure.")})
    decided_on = _not_future(decided_on, "decided_on")
    failure = _required(failure, "failure", _("Say what the failure was."))
    with _audit(actor, "responsibility.record_create"):
        return AccountabilityRecord.objects.create(
            organization=target,
            member=member,
            decided_by=decider,
            decided_on=decided_on,
            failure=failure,
            measure=measure,
            created_by=actor,
        )
