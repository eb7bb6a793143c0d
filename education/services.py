"""Writes on activities and attendance; yearly totals are kept here, in the
same transaction as the attendance that changes them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, User
from members.models import Member

from .models import CREDITED, Activity, ActivityKind, Attendance, AttendanceStatus, YearlyTotal


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: datetime,
    hours: Decimal,
    place: str = "",
    lecturer: str = "",
    lecturer_member: Member | None = None,
    content: str = "",
    minutes: str = "",
) -> Activity:
    with _audit(actor, "activity.create"):
        organization = Organization.objects.get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        if kind == ActivityKind.LECTURE and not (lecturer or lecturer_member):
            raise ValidationError({"lecturer": _("A party lecture needs its lecturer.")})
        activity = Activity(
            organization=organization,
            province_id=organization.province_id,
            kind=kind,
            title=title,
            starts_at=starts_at,
            hours=hours,
            place=place,
            lecturer=lecturer or (lecturer_member.name if lecturer_member else ""),
            lecturer_member=lecturer_member,
            content=content,
            minutes=minutes,
            created_by=actor,
        )
        activity.full_clean()
        activity.save()
        return activity


def refresh_totals(member_ids, year: int) -> None:
    """Recompute the yearly totals of these members from their own rows only.

    Idempotent; touches one member-year's attendance, never a whole table.
    """
    rows = (
        Attendance.objects.filter(member_id__in=member_ids, activity__starts_at__year=year)
        .values("member_id")
        .annotate(
            hours=Sum("credited_hours", filter=Q(status__in=CREDITED)),
            activities=Count("pk", filter=Q(status__in=CREDITED)),
            absences=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
        )
    )
    found = {row["member_id"]: row for row in rows}
    YearlyTotal.objects.bulk_create(
        [
            YearlyTotal(
                member_id=member_id,
                year=year,
                hours=found.get(member_id, {}).get("hours") or Decimal(0),
                activities=found.get(member_id, {}).get("activities") or 0,
                absences=found.get(member_id, {}).get("absences") or 0,
            )
            for member_id in member_ids
        ],
        update_conflicts=True,
        unique_fields=["member", "year"],
        update_fields=["hours", "activities", "absences", "updated_at"],
    )


@transaction.atomic
def attendance_save(
    *,
    actor: User,
    activity: Activity,
    exceptions: dict[int, dict] | None = None,
) -> list[Attendance]:
    """Record attendance for the current members of the activity's branch.

    Everyone is present with the activity's full hours unless `exceptions`
    says otherwise: {member_id: {"status": ..., "reason": ..., "hours": ...}}.
    Saving again replaces the previous record of those members.
    """
    exceptions = exceptions or {}
    with _audit(actor, "attendance.save"):
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        scoping.require(actor, scoping.CHANGE, activity.organization)
        roster = {
            m.pk: m
            for m in Member.objects.filter(branch=activity.organization, left_on__isnull=True)
        }
        unknown = set(exceptions) - set(roster)
        if unknown:
            raise ValidationError(
                {
                    "member": _("These members do not belong to %(org)s: %(ids)s.")
                    % {"org": activity.organization, "ids": ", ".join(map(str, sorted(unknown)))}
                }
            )
        rows = []
        for member_id, member in roster.items():
            entry = exceptions.get(member_id, {})
            status = entry.get("status", AttendanceStatus.PRESENT)
            if status not in AttendanceStatus.values:
                raise ValidationError(
                    {"status": _("Unknown attendance for %(name)s.") % {"name": member}}
                )
            reason = (entry.get("reason") or "").strip()
            if status == AttendanceStatus.EXCUSED and not reason:
                raise ValidationError(
                    {"reason": _("Give the reason why %(name)s was excused.") % {"name": member}}
                )
            if status in CREDITED:
                hours = Decimal(str(entry.get("hours") or activity.hours))
                if not Decimal(0) < hours <= activity.hours:
                    raise ValidationError(
                        {
                            "hours": _(
                                "%(name)s: credited hours must be more than 0 and at most %(max)s."
                            )
                            % {"name": member, "max": activity.hours}
                        }
                    )
            else:
                hours = Decimal(0)
            rows.append(
                Attendance(
                    activity=activity,
                    member=member,
                    status=status,
                    reason=reason,
                    credited_hours=hours,
                    recorded_by=actor,
                )
            )
        previous = set(activity.attendances.values_list("member_id", flat=True))
        activity.attendances.filter(member_id__in=roster).delete()
        Attendance.objects.bulk_create(rows)
        refresh_totals(
            sorted(set(roster) | previous),
            activity.starts_at.astimezone(timezone.get_current_timezone()).year,
        )
        return rows
