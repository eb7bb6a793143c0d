"""Writes of leaders' research at the grassroots (document 2, 二（五）): contact
points, research visits, and the yearly RESEARCH_SHORT reminders.

Recorded by the organisation department (org_staff) whose subtree holds the
leader's branch, or by the leader. Keyword-only, atomic, scope checked
inside the transaction, under a pghistory context naming the actor.

A visit occupies its days from `started_on`: 2.5 days from 1 March take 1
March, 2 March and half of 3 March. A calendar day is never counted more
than once for the same leader (two half days fit into one). A visit counts
toward the year it starts in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, Reminder, ReminderKind, RoleAssignment
from members.models import Member

from .models import ContactPoint, ResearchVisit

MAX_DAYS = Decimal("31")
STEP = Decimal("0.5")
RECORDER_ROLES = ("org_staff", "sysadmin")
RESEARCH_SHORT = getattr(ReminderKind, "RESEARCH_SHORT", "research_short")
REMINDER_FROM = (10, 1)  # month, day


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def is_leader(member: Member) -> bool:
    return bool(member.leadership_level)


def may_record(user, leader: Member) -> bool:
    """The leader, or the organisation department above the leader's branch."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if leader.user_id is not None and leader.user_id == user.pk:
        return True
    if user.is_superuser:
        return True
    return (
        RoleAssignment.objects.active()
        .filter(
            user=user,
            role__in=RECORDER_ROLES,
            organization__path__ancestor_of=leader.branch.path,
        )
        .exists()
    )


def _lock_leader(actor, leader: Member) -> Member:
    """Lock the leader row (serialises overlap checks) and check the actor."""
    leader = Member.objects.select_for_update().select_related("branch").get(pk=leader.pk)
    if leader.user_id is None or leader.user_id != actor.pk:
        scoping.require(actor, scoping.CHANGE, leader.branch)
        if not may_record(actor, leader):
            raise PermissionDenied(
                _("Only the organisation department or the leader records research.")
            )
    if not is_leader(leader):
        raise ValidationError(
            {
                "leader": _("%(name)s is not a leading cadre (no leadership level).")
                % {"name": leader}
            }
        )
    if leader.left_on is not None:
        raise ValidationError({"leader": _("%(name)s has left.") % {"name": leader}})
    return leader


# --- Contact points -------------------------------------------------------------------


def unit_for_leader(leader: Member, code: str) -> Organization | None:
    """A unit of the leader's province, by its code."""
    return (
        Organization.objects.filter(
            province_id=leader.province_id or leader.branch.province_id,
            code=code.strip(),
            dissolved__isnull=True,
        )
        .only("pk", "name", "path", "code")
        .first()
    )


@transaction.atomic
def contact_point_create(
    *,
    actor,
    leader: Member,
    organization: Organization,
    since: date,
    until: date | None = None,
    weak_unit: bool = False,
    note: str = "",
) -> ContactPoint:
    with _audit(actor, "outreach.contact_point_create"):
        leader = _lock_leader(actor, leader)
        if organization.province_id != leader.branch.province_id:
            raise ValidationError(
                {"organization": _("The contact point must be a unit of the leader's province.")}
            )
        if until is not None and until < since:
            raise ValidationError({"until": _("The end is before the start.")})
        if since > timezone.localdate() + timedelta(days=366):
            raise ValidationError({"since": _("The start is too far in the future.")})
        if (
            until is None
            and ContactPoint.objects.filter(
                leader=leader, organization=organization, until__isnull=True
            ).exists()
        ):
            raise ValidationError(
                {
                    "organization": _("%(unit)s is already a contact point of %(name)s.")
                    % {"unit": organization.name, "name": leader}
                }
            )
        return ContactPoint.objects.create(
            leader=leader,
            organization=organization,
            since=since,
            until=until,
            weak_unit=weak_unit,
            note=note.strip(),
        )


@transaction.atomic
def contact_point_end(*, actor, contact_point: ContactPoint, until: date) -> ContactPoint:
    with _audit(actor, "outreach.contact_point_end"):
        point = ContactPoint.objects.select_for_update().get(pk=contact_point.pk)
        _lock_leader(actor, point.leader)
        if point.until is not None:
            raise ValidationError({"until": _("The contact point has already ended.")})
        if until < point.since:
            raise ValidationError({"until": _("The end is before the start.")})
        point.until = until
        point.save(update_fields=["until"])
        return point


# --- Research visits ------------------------------------------------------------------


def _clean_days(days) -> Decimal:
    try:
        value = Decimal(str(days))
        if not value.is_finite():
            raise ValueError(days)
    except (InvalidOperation, ValueError):
        raise ValidationError({"days": _("Give the days as a number.")}) from None
    if value <= 0 or value > MAX_DAYS:
        raise ValidationError({"days": _("A visit lasts more than 0 and at most 31 days.")})
    if value % STEP:
        raise ValidationError({"days": _("Count days in halves (0.5, 1, 1.5, …).")})
    return value


def day_shares(started_on: date, days: Decimal) -> dict[date, Decimal]:
    """How much of each calendar day the visit takes."""
    shares = {}
    whole = math.ceil(days)
    for i in range(whole):
        shares[started_on + timedelta(days=i)] = min(Decimal(1), days - i)
    return shares


def last_day(started_on: date, days: Decimal) -> date:
    return started_on + timedelta(days=math.ceil(days) - 1)


def _overlap(leader: Member, started_on: date, days: Decimal, exclude_pk=None):
    """The first visit of the leader that takes a day this one also needs."""
    mine = day_shares(started_on, days)
    others = ResearchVisit.objects.filter(
        leader=leader,
        started_on__gt=started_on - timedelta(days=int(MAX_DAYS)),
        started_on__lte=last_day(started_on, days),
    ).order_by("started_on", "pk")
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    used: dict[date, Decimal] = defaultdict(Decimal)
    for other in others:
        for day, share in day_shares(other.started_on, other.days).items():
            if day in mine:
                used[day] += share
                if used[day] + mine[day] > 1:
                    return other
    return None


@transaction.atomic
def research_visit_create(
    *,
    actor,
    leader: Member,
    started_on: date,
    days,
    place: str = "",
    findings: str,
    contact_point: ContactPoint | None = None,
    hardship_area: bool = False,
    problems_solved: str = "",
) -> ResearchVisit:
    """Log days a leader spent at a contact point or another grassroots unit."""
    with _audit(actor, "outreach.research_visit_create"):
        leader = _lock_leader(actor, leader)
        days = _clean_days(days)
        today = timezone.localdate()
        if started_on > today:
            raise ValidationError({"started_on": _("The visit cannot start in the future.")})
        if last_day(started_on, days) > today:
            raise ValidationError(
                {
                    "days": _("The visit would end on %(day)s, in the future: log it afterwards.")
                    % {"day": last_day(started_on, days)}
                }
            )
        if contact_point is not None:
            contact_point = ContactPoint.objects.select_related("organization").get(
                pk=contact_point.pk
            )
            if contact_point.leader_id != leader.pk:
                raise ValidationError(
                    {
                        "contact_point": _("This is not a contact point of %(name)s.")
                        % {"name": leader}
                    }
                )
            if started_on < contact_point.since or (
                contact_point.until is not None and started_on > contact_point.until
            ):
                raise ValidationError(
                    {
                        "contact_point": _(
                            "The contact point was not in use on %(day)s (%(since)s – %(until)s)."
                        )
                        % {
                            "day": started_on,
                            "since": contact_point.since,
                            "until": contact_point.until or "",
                        }
                    }
                )
            place = place.strip() or contact_point.organization.name
        if not place.strip():
            raise ValidationError({"place": _("Say which unit or place was visited.")})
        if not findings.strip():
            raise ValidationError({"findings": _("Write down the findings and opinions heard.")})
        other = _overlap(leader, started_on, days)
        if other is not None:
            raise ValidationError(
                {
                    "started_on": _(
                        "These days are already counted: %(name)s was at %(place)s "
                        "from %(start)s to %(end)s."
                    )
                    % {
                        "name": leader,
                        "place": other.place,
                        "start": other.started_on,
                        "end": last_day(other.started_on, other.days),
                    }
                }
            )
        visit = ResearchVisit.objects.create(
            leader=leader,
            started_on=started_on,
            days=days,
            contact_point=contact_point,
            place=place.strip(),
            hardship_area=hardship_area,
            findings=findings.strip(),
            problems_solved=problems_solved.strip(),
            recorded_by=actor,
        )
        resolve_research_short(leader, started_on.year)
        return visit


@transaction.atomic
def research_visit_delete(*, actor, visit: ResearchVisit) -> None:
    """Remove a visit logged by mistake (the audit history keeps it)."""
    with _audit(actor, "outreach.research_visit_delete"):
        visit = ResearchVisit.objects.select_for_update().get(pk=visit.pk)
        _lock_leader(actor, visit.leader)
        visit.delete()


# --- The yearly reminder --------------------------------------------------------------


def reminder_key(leader_id: int, year: int) -> str:
    return f"research_short:{leader_id}:{year}"


def resolve_research_short(leader: Member, year: int) -> int:
    """Close the leader's reminder of `year` once the requirement is met."""
    from .selectors_research import leader_totals

    open_reminder = Reminder.objects.filter(
        key=reminder_key(leader.pk, year), resolved_at__isnull=True
    )
    if not open_reminder.exists():
        return 0
    row = leader_totals(Member.objects.filter(pk=leader.pk), year)[0]
    if row.owed > 0:
        return 0
    return open_reminder.update(resolved_at=timezone.now())


def raise_research_short(province_id: int, on: date) -> dict:
    """From 1 October: a reminder for each leader of the province still short
    this year; reminders of leaders who have caught up are resolved."""
    from education.cycles import _ids_in_batches, _raise_reminders

    from .selectors_research import leader_totals

    year = on.year
    leaders = Member.objects.filter(province_id=province_id, left_on__isnull=True).exclude(
        leadership_level=""
    )
    short = raised = resolved = 0
    for ids in _ids_in_batches(leaders):
        rows = leader_totals(Member.objects.filter(pk__in=ids), year, on=on)
        reminders = []
        met_keys = []
        for row in rows:
            if row.owed <= 0:
                met_keys.append(reminder_key(row.member.pk, year))
                continue
            short += 1
            reminders.append(
                Reminder(
                    organization_id=row.member.branch_id,
                    member_id=row.member.pk,
                    kind=RESEARCH_SHORT,
                    due_on=date(year, 12, 31),
                    key=reminder_key(row.member.pk, year),
                    detail=_(
                        "%(name)s has spent %(done)s of the %(required)s research days "
                        "required in %(year)s at the grassroots."
                    )
                    % {
                        "name": row.member.name,
                        "done": row.done,
                        "required": row.required,
                        "year": year,
                    },
                )
            )
        raised += _raise_reminders(reminders)
        resolved += Reminder.objects.filter(key__in=met_keys, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    return {"short": short, "reminders": raised, "resolved": resolved}


def research_short_cycle(province_id: int, on: date) -> dict | None:
    """The daily run for one province (CycleRun keyed by day); None before 1
    October or when the day's run is done."""
    from education.cycles import _unit

    if on < date(on.year, *REMINDER_FROM):
        return None
    return _unit(
        "research_short", on.isoformat(), province_id, lambda: raise_research_short(province_id, on)
    )
