"""Writes on activities and attendance; yearly totals are kept here, in the
same transaction as the attendance that changes them."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, OrgKind, OrgLevel, User
from branches.policies import policy_in_force
from config import outbox
from dashboards import changes
from members.models import Handling, HandlingStage, Member

from .models import (
    CREDITED,
    STEPS,
    Activity,
    ActivityKind,
    Attendance,
    AttendanceStatus,
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignStep,
    CampaignStepRecord,
    Evaluation,
    LateCorrection,
    PartySpiritSchedule,
    Rating,
    SelfStudy,
    StudyPlan,
    YearClosure,
    YearlyTotal,
)


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
    reason: str = "",
    teacher=None,
    base=None,
    textbook=None,
) -> Activity:
    """`reason` is needed when the activity falls in a closed year.

    `teacher`, `base` and `textbook` come from the registries of the
    organisation or its ancestors; a teacher fills an empty `lecturer`, and a
    teacher linked to a member record (a leader) an empty `lecturer_member`,
    so the leader's lecture counts (document 1, 二（二）1)."""
    with _audit(actor, "activity.create"):
        organization = Organization.objects.get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        teacher, base, textbook = _registry_picks(
            organization, teacher=teacher, base=base, textbook=textbook
        )
        if teacher is not None and not (lecturer or lecturer_member):
            lecturer = teacher.name
        if lecturer_member is not None:
            lecturer_member = _lecturer_in_reach(actor, lecturer_member)
        elif teacher is not None and teacher.member_id is not None:
            # The registry entry is on the branch's ancestor line (checked above).
            lecturer_member = teacher.member
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
            teacher=teacher,
            base=base,
            textbook=textbook,
            content=content,
            minutes=minutes,
            created_by=actor,
        )
        activity.full_clean()
        activity.save()
        _late_change(
            actor=actor,
            organization=organization,
            year=_local_year(starts_at),
            reason=reason,
            activity=activity,
        )
        if lecturer_member is not None and kind in (ActivityKind.LECTURE, ActivityKind.REPORT):
            _resolve_leader_lecture(lecturer_member, _local_year(starts_at))
        return activity


def refresh_totals(member_ids, year: int, *, touch: bool = True) -> None:
    """Recompute the yearly totals of these members from their own rows only.

    Idempotent; touches one member-year's attendance, never a whole table.
    `touch=False`: the caller tells the dashboards itself (a whole province).
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
    self_study = dict(
        SelfStudy.objects.filter(member_id__in=member_ids, on__year=year)
        .order_by()
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "total")
    )
    YearlyTotal.objects.bulk_create(
        [
            YearlyTotal(
                member_id=member_id,
                year=year,
                hours=found.get(member_id, {}).get("hours") or Decimal(0),
                activities=found.get(member_id, {}).get("activities") or 0,
                absences=found.get(member_id, {}).get("absences") or 0,
                self_study_hours=self_study.get(member_id) or Decimal(0),
            )
            for member_id in member_ids
        ],
        update_conflicts=True,
        unique_fields=["member", "year"],
        update_fields=["hours", "activities", "absences", "self_study_hours", "updated_at"],
    )
    if touch:
        changes.touch_members(member_ids, year)


@transaction.atomic
def attendance_save(
    *,
    actor: User,
    activity: Activity,
    exceptions: dict[int, dict] | None = None,
    guests: dict[int, dict] | None = None,
    reason: str = "",
) -> list[Attendance]:
    """Record attendance for the current members of the activity's branch.

    Everyone is present with the activity's full hours unless `exceptions`
    says otherwise: {member_id: {"status": ..., "reason": ..., "hours": ...}}.
    Saving again replaces the previous record of those members.

    `guests` are members of other organisations the actor may see (their own
    subtree or a workflow's grant), same entry shape, present by default.
    Saving the roster again keeps guests recorded earlier; `guest_remove`
    takes one off. In a closed year `reason` is required (LateCorrection).
    """
    exceptions = exceptions or {}
    guests = guests or {}
    with _audit(actor, "attendance.save"):
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        scoping.require(actor, scoping.CHANGE, activity.organization)
        year = _local_year(activity.starts_at)
        closed = _late_change(
            actor=actor,
            organization=activity.organization,
            year=year,
            reason=reason,
            activity=activity,
        )
        from .selectors import roster_q

        day = activity.starts_at.astimezone(timezone.get_current_timezone()).date()
        roster = {m.pk: m for m in Member.objects.filter(roster_q(activity.organization, day))}
        unknown = set(exceptions) - set(roster)
        if unknown:
            raise ValidationError(
                {
                    "member": _("These members do not belong to %(org)s: %(ids)s.")
                    % {"org": activity.organization, "ids": ", ".join(map(str, sorted(unknown)))}
                }
            )
        from .selectors import resolve_guest

        # A guest recorded earlier may be edited even after the grant ended;
        # adding one needs the member in reach now.
        guest_members = {
            m.pk: m
            for m in Member.objects.filter(pk__in=guests, attendances__activity=activity)
            .exclude(branch_id=activity.organization_id)
            .select_related("branch")
        }
        for member_id in sorted(set(guests) - set(guest_members)):
            if member_id in roster:
                raise ValidationError(
                    {
                        "guests": _(
                            "%(name)s belongs to %(org)s: "
                            "record them on the roster, not as a guest."
                        )
                        % {"name": roster[member_id], "org": activity.organization}
                    }
                )
            guest_members[member_id] = resolve_guest(actor, member_id)
        guest_provinces = {m.province_id for m in guest_members.values()} - {
            activity.organization.province_id
        }
        if guest_provinces and not closed:
            closed = _closed_year_guard(
                actor=actor,
                province_ids=guest_provinces,
                year=year,
                reason=reason,
                activity=activity,
            )
        entries = [(m, exceptions.get(pk, {})) for pk, m in roster.items()]
        entries += [(m, guests[pk] or {}) for pk, m in guest_members.items()]
        rows = []
        for member, entry in entries:
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
                given = entry.get("hours")
                hours = activity.hours if given in (None, "") else Decimal(str(given))
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
        activity.attendances.filter(member_id__in=set(roster) | set(guest_members)).delete()
        Attendance.objects.bulk_create(rows)
        refresh_totals(sorted(set(roster) | previous | set(guest_members)), year)
        changes.touch(activity.organization_id, year)
        return rows


def _absences_after(member: Member, year: int, after) -> int:
    rows = Attendance.objects.filter(
        member=member, status=AttendanceStatus.ABSENT, activity__starts_at__year=year
    )
    if after is not None:
        tz = timezone.get_current_timezone()
        start = datetime(after.year, after.month, after.day, tzinfo=tz) + timedelta(days=1)
        rows = rows.filter(activity__starts_at__gte=start)
    return rows.count()


@transaction.atomic
def absence_criticism_record(
    *, actor: User, member: Member, year: int, on: date, note: str = ""
) -> Handling:
    """Serious criticism of a member who keeps missing collective education
    without a proper reason (document 1, 四: 给予严肃批评)."""
    from branches.policies import policy_in_force
    from members.services import handling_record

    member = Member.objects.select_related("branch").get(pk=member.pk)
    scoping.require(actor, scoping.CHANGE, member.branch)
    threshold = policy_in_force(member.branch, "unexcused_absences_repeated")
    absences = _absences_after(member, year, None)
    if absences < threshold:
        raise ValidationError(
            {
                "member": _(
                    "%(name)s has %(n)s unexcused absences in %(year)s; "
                    "serious criticism is for %(min)s or more."
                )
                % {"name": member.name, "n": absences, "year": year, "min": threshold}
            }
        )
    reason = _(
        "Missed collective education without a proper reason %(n)s times in %(year)s: "
        "serious criticism."
    ) % {"n": absences, "year": year}
    if note.strip():
        reason = f"{reason} {note.strip()}"
    return handling_record(
        actor=actor, member=member, stage=HandlingStage.CRITICISM, reason=reason, on=on
    )


@transaction.atomic
def absence_handling_record(
    *,
    actor: User,
    member: Member,
    year: int,
    stage: str,
    on: date,
    deadline: date | None = None,
    note: str = "",
) -> Handling:
    """Organisational handling when absences go on after the criticism
    (document 1, 四: 长期不改的 … 给予组织处理)."""
    from members.services import handling_record

    member = Member.objects.select_related("branch").get(pk=member.pk)
    scoping.require(actor, scoping.CHANGE, member.branch)
    if stage == HandlingStage.CRITICISM:
        raise ValidationError({"stage": _("Choose an organisational measure, not criticism.")})
    criticised = (
        member.handlings.filter(stage=HandlingStage.CRITICISM)
        .order_by("-on")
        .values_list("on", flat=True)
        .first()
    )
    if criticised is None:
        raise ValidationError(
            {"stage": _("%(name)s has not been criticised yet.") % {"name": member.name}}
        )
    persisting = _absences_after(member, year, criticised)
    if not persisting:
        raise ValidationError(
            {
                "stage": _("%(name)s has not missed any activity since the criticism of %(on)s.")
                % {"name": member.name, "on": criticised}
            }
        )
    reason = _(
        "Went on missing collective education without a proper reason after the "
        "criticism of %(on)s (%(n)s more times in %(year)s)."
    ) % {"on": criticised, "n": persisting, "year": year}
    if note.strip():
        reason = f"{reason} {note.strip()}"
    return handling_record(
        actor=actor, member=member, stage=stage, reason=reason, on=on, deadline=deadline
    )


# --- Guests, self-study and closed years (helper-b) -----------------------------


def _local_year(moment: datetime) -> int:
    if timezone.is_aware(moment):
        moment = moment.astimezone(timezone.get_current_timezone())
    return moment.year


def _year_lock_key(province_id: int, year: int) -> int:
    digest = hashlib.blake2b(f"education-year:{province_id}:{year}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def lock_education_year(province_ids, year: int, *, shared: bool = True) -> None:
    """Writes in a province's year take this lock shared; closing the year
    takes it exclusive, so a close never misses a change that commits while
    it recomputes the totals (and a change never slips in after it)."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        for province_id in sorted(p for p in set(province_ids) if p is not None):
            cursor.execute(f"SELECT {function}(%s)", [_year_lock_key(province_id, year)])


def _late_change(
    *, actor: User, organization: Organization, year: int, reason: str, activity=None
) -> bool:
    """A change in a closed year needs a reason (at least 4 characters).

    The reason goes into the audit context of the change; for an activity it
    is also kept as a LateCorrection. Returns whether the year was closed.
    """
    return _closed_year_guard(
        actor=actor,
        province_ids={organization.province_id},
        year=year,
        reason=reason,
        activity=activity,
    )


def _closed_year_guard(*, actor: User, province_ids, year: int, reason: str, activity=None) -> bool:
    lock_education_year(province_ids, year)
    if not YearClosure.objects.filter(organization_id__in=province_ids, year=year).exists():
        return False
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(
            {
                "reason": _(
                    "The education year %(year)s is closed: give the reason for the "
                    "correction (at least 4 characters)."
                )
                % {"year": year}
            }
        )
    if len(reason) > 300:
        raise ValidationError(
            {"reason": _("The reason for the correction is longer than 300 characters.")}
        )
    pghistory.context(reason=reason)  # joins the context opened by _audit
    if activity is not None:
        LateCorrection.objects.create(activity=activity, year=year, reason=reason, actor=actor)
    return True


@transaction.atomic
def guest_remove(*, actor: User, activity: Activity, member: Member, reason: str = "") -> None:
    """Take a guest (a member of another organisation) off an activity."""
    with _audit(actor, "attendance.guest_remove"):
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        scoping.require(actor, scoping.CHANGE, activity.organization)
        year = _local_year(activity.starts_at)
        record = (
            activity.attendances.select_related("member")
            .filter(member_id=member.pk)
            .exclude(member__branch_id=activity.organization_id)
            .first()
        )
        if record is None:
            raise ValidationError(
                {"member": _("Member %(id)s is not a guest of this activity.") % {"id": member.pk}}
            )
        _late_change(
            actor=actor,
            organization=activity.organization,
            year=year,
            reason=reason,
            activity=activity,
        )
        record.delete()
        refresh_totals([member.pk], year)
        changes.touch(activity.organization_id, year)


def _require_self_or_change(actor: User, member: Member) -> None:
    """The member themself (own record only) or whoever may change the branch."""
    if member.user_id is not None and member.user_id == actor.pk:
        return
    scoping.require(actor, scoping.CHANGE, member.branch)


@transaction.atomic
def study_plan_save(
    *, actor: User, member: Member, year: int, content: str, reason: str = ""
) -> StudyPlan:
    """A member's own study plan for a year (document 1, 二（二）1); one per year.

    In a closed year `reason` is required; it is kept in the audit context
    only (a LateCorrection belongs to an activity).
    """
    with _audit(actor, "study_plan.save"):
        member = Member.objects.select_related("branch").get(pk=member.pk)
        _require_self_or_change(actor, member)
        content = (content or "").strip()
        if not content:
            raise ValidationError({"content": _("Write the study plan.")})
        this_year = timezone.localdate().year
        if not 2000 <= year <= this_year + 1:
            raise ValidationError(
                {"year": _("A study plan is for a year up to %(max)s.") % {"max": this_year + 1}}
            )
        _late_change(actor=actor, organization=member.branch, year=year, reason=reason)
        plan, _created = StudyPlan.objects.update_or_create(
            member=member, year=year, defaults={"content": content, "updated_by": actor}
        )
        return plan


@transaction.atomic
def self_study_add(
    *,
    actor: User,
    member: Member,
    on: date,
    hours: Decimal,
    material: str,
    textbook=None,
    notes: str = "",
    reason: str = "",
) -> SelfStudy:
    """One self-study record (自主学习); the yearly total is kept in the same
    transaction. It counts toward the collective requirement only where the
    policy `self_study_counts` says so.

    In a closed year `reason` is required; it is kept in the audit context
    only (a LateCorrection belongs to an activity).
    """
    from .models import Textbook

    with _audit(actor, "self_study.add"):
        member = Member.objects.select_related("branch").get(pk=member.pk)
        _require_self_or_change(actor, member)
        if on > timezone.localdate():
            raise ValidationError({"on": _("Self-study cannot be recorded for a future date.")})
        try:
            hours = Decimal(str(hours))
        except ArithmeticError:
            hours = Decimal(0)
        if not (hours.is_finite() and Decimal(0) < hours <= 24):
            raise ValidationError(
                {"hours": _("Self-study hours must be more than 0 and at most 24.")}
            )
        material = (material or "").strip()
        if not material:
            raise ValidationError({"material": _("Say what was studied.")})
        if textbook is not None and not (
            Textbook.objects.filter(
                pk=textbook.pk, active=True, organization__path__ancestor_of=member.branch.path
            ).exists()
        ):
            raise ValidationError(
                {"textbook": _("This textbook is not offered to %(org)s.") % {"org": member.branch}}
            )
        _late_change(actor=actor, organization=member.branch, year=on.year, reason=reason)
        record = SelfStudy(
            member=member,
            on=on,
            hours=hours,
            material=material,
            textbook=textbook,
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        record.full_clean()
        record.save()
        refresh_totals([member.pk], on.year)
        return record


@transaction.atomic
def self_study_delete(*, actor: User, record: SelfStudy, reason: str = "") -> None:
    """Delete a self-study record; in a closed year only with a reason
    (kept in the audit context)."""
    with _audit(actor, "self_study.delete"):
        record = (
            SelfStudy.objects.select_for_update().select_related("member__branch").get(pk=record.pk)
        )
        _require_self_or_change(actor, record.member)
        _late_change(
            actor=actor, organization=record.member.branch, year=record.on.year, reason=reason
        )
        member_id, year = record.member_id, record.on.year
        record.delete()
        refresh_totals([member_id], year)


YEAR_CLOSE_BATCH = 2000


@transaction.atomic
def year_close_request(*, actor: User, province: Organization, year: int) -> YearClosure | None:
    """A user asks to close a province's year: checked now, closed by a worker
    (recomputing a province's totals takes minutes). Returns the closure when
    the year was closed already, else None once the task is queued."""
    from .tasks import close_education_year

    province = Organization.objects.get(pk=province.pk)
    scoping.require(actor, scoping.CHANGE, province)
    if province.level != "province" or province.province_id != province.pk:
        raise ValidationError({"province": _("%(org)s is not a province.") % {"org": province}})
    existing = YearClosure.objects.filter(organization=province, year=year).first()
    if existing is not None:
        return existing
    if year >= timezone.localdate().year:
        raise ValidationError(
            {"year": _("The year %(year)s is not over yet; it cannot be closed.") % {"year": year}}
        )
    outbox.on_commit(close_education_year, province.pk, year, actor.pk)
    return None


@transaction.atomic
def year_close(*, actor: User | None, province: Organization, year: int) -> YearClosure:
    """Close a province's education year: recompute and freeze its totals.

    Called by a user with CHANGE on the province, or by the yearly cycle with
    actor=None. Idempotent: a second call returns the existing closure and
    changes nothing. Totals are recomputed in batches of member ids; after
    closing, changes in that year need a reason (LateCorrection).
    """
    from .selectors import year_statuses

    with _audit(actor, "education.year_close"):
        # NO KEY: inserts that reference the province (activities, members) go on.
        province = Organization.objects.select_for_update(no_key=True).get(pk=province.pk)
        if actor is not None:
            scoping.require(actor, scoping.CHANGE, province)
        if province.level != "province" or province.province_id != province.pk:
            raise ValidationError({"province": _("%(org)s is not a province.") % {"org": province}})
        existing = YearClosure.objects.filter(organization=province, year=year).first()
        if existing is not None:
            return existing
        if year >= timezone.localdate().year:
            raise ValidationError(
                {
                    "year": _("The year %(year)s is not over yet; it cannot be closed.")
                    % {"year": year}
                }
            )
        lock_education_year([province.pk], year, shared=False)
        existing = YearClosure.objects.filter(organization=province, year=year).first()
        if existing is not None:  # closed by another run while this one waited
            return existing
        population = Member.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gte=date(year, 1, 1)),
            province_id=province.pk,
            joined_on__lte=date(year, 12, 31),
        )
        counted = short = 0
        last = 0
        while True:
            ids = list(
                population.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:YEAR_CLOSE_BATCH]
            )
            if not ids:
                break
            last = ids[-1]
            refresh_totals(ids, year, touch=False)
            at_year_end = Member.objects.filter(
                Q(left_on__isnull=True) | Q(left_on__gt=date(year, 12, 31)), pk__in=ids
            ).select_related("branch")
            statuses = year_statuses(at_year_end, year)
            counted += len(statuses)
            short += sum(1 for s in statuses if s.short)
        changes.province_changed(province.pk, year)
        return YearClosure.objects.create(
            organization=province, year=year, closed_by=actor, members=counted, short=short
        )


# --- Review campaigns: democratic review and party-spirit analysis -----------------
# document 1, 二（二）3

GRASSROOTS_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GRASSROOTS_COMMITTEE)
SCHEDULING_LEVELS = (OrgLevel.CENTRAL, OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY)
OPEN_BATCH = 1000
SCHEDULE_LOCK_KEY = 0x7370_6972  # "spir"


@transaction.atomic
def campaigns_open(
    *,
    kind: str,
    year: int,
    branch_ids: list[int],
    schedule: PartySpiritSchedule | None = None,
) -> int:
    """System write: open the missing campaigns of these grassroots organisations.

    Ids of other kinds of organisation (and dissolved ones) are skipped.
    Returns how many were created; a second call creates nothing.
    """
    if kind not in CampaignKind.values:
        raise ValidationError({"kind": _("Unknown kind of campaign “%(kind)s”.") % {"kind": kind}})
    if schedule is not None and kind != CampaignKind.PARTY_SPIRIT:
        raise ValidationError(
            {"schedule": _("Only a party-spirit analysis belongs to a schedule.")}
        )
    with _audit(None, "campaign.open"):
        ids = list(
            Organization.objects.filter(
                pk__in=list(branch_ids), kind__in=GRASSROOTS_KINDS, dissolved__isnull=True
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        created = 0
        for start in range(0, len(ids), OPEN_BATCH):
            batch = ids[start : start + OPEN_BATCH]
            existing = Campaign.objects.filter(kind=kind, year=year, organization_id__in=batch)
            before = existing.count()
            Campaign.objects.bulk_create(
                [
                    Campaign(kind=kind, organization_id=pk, year=year, schedule=schedule)
                    for pk in batch
                ],
                ignore_conflicts=True,
            )
            created += existing.count() - before
        changes.touch_many(ids, year)
        return created


def _campaign_for_write(actor, campaign: Campaign) -> Campaign:
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=campaign.pk)
    )
    scoping.require(actor, scoping.CHANGE, campaign.organization)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(
            {
                "campaign": _("The %(campaign)s is closed; it cannot be changed any more.")
                % {"campaign": campaign}
            }
        )
    return campaign


@transaction.atomic
def campaign_close(*, actor: User | None, campaign: Campaign) -> Campaign:
    """Close a campaign; idempotent.

    A secretary (actor given) closes only a complete campaign and is told what
    is missing; the yearly cycle (actor None) closes whatever is still open at
    the period's end and records whether it was complete.
    """
    from .selectors import campaign_missing

    with _audit(actor, "campaign.close"):
        campaign = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=campaign.pk)
        )
        if actor is not None:
            scoping.require(actor, scoping.CHANGE, campaign.organization)
        if campaign.status == CampaignStatus.CLOSED:
            return campaign
        missing = campaign_missing(campaign)
        if actor is not None and missing:
            messages = {
                "steps": _("Steps not recorded yet: %(items)s."),
                "evaluations": _("Members not evaluated yet: %(items)s."),
                "handling": _(
                    "Rated unqualified without organisational handling recorded: %(items)s."
                ),
            }
            raise ValidationError(
                {key: messages[key] % {"items": "、".join(items)} for key, items in missing.items()}
            )
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = timezone.now()
        campaign.complete = not missing
        campaign.save(update_fields=["status", "closed_at", "complete"])
        return campaign


@transaction.atomic
def campaign_start(*, actor: User, organization: Organization, year: int) -> Campaign:
    """A secretary opens this year's democratic review before the yearly cycle does."""
    organization = Organization.objects.get(pk=organization.pk)
    scoping.require(actor, scoping.CHANGE, organization)
    if organization.kind not in GRASSROOTS_KINDS:
        raise ValidationError(
            {"organization": _("Only a grassroots organisation holds a democratic review.")}
        )
    if year != timezone.localdate().year:
        raise ValidationError({"year": _("Only this year's review can be opened.")})
    with _audit(actor, "campaign.start"):
        campaign, _created = Campaign.objects.get_or_create(
            kind=CampaignKind.DEMOCRATIC_REVIEW, organization=organization, year=year
        )
        return campaign


@transaction.atomic
def campaign_step_record(
    *, actor: User, campaign: Campaign, step: str, done_on: date, notes: str = ""
) -> CampaignStepRecord:
    """Record (or correct) one step of the campaign's checklist."""
    with _audit(actor, "campaign.step"):
        campaign = _campaign_for_write(actor, campaign)
        steps = STEPS[CampaignKind(campaign.kind)]
        if step not in steps:
            raise ValidationError(
                {
                    "step": _("“%(step)s” is not a step of a %(kind)s.")
                    % {
                        "step": CampaignStep(step).label if step in CampaignStep.values else step,
                        "kind": campaign.get_kind_display(),
                    }
                }
            )
        if done_on > timezone.localdate():
            raise ValidationError({"done_on": _("The date of a step cannot be in the future.")})
        if done_on.year < campaign.year - 1:
            raise ValidationError(
                {
                    "done_on": _("The date is too early for the campaign of %(year)s.")
                    % {"year": campaign.year}
                }
            )
        record, _created = CampaignStepRecord.objects.update_or_create(
            campaign=campaign,
            step=step,
            defaults={"done_on": done_on, "notes": notes.strip(), "done_by": actor},
        )
        return record


@transaction.atomic
def campaign_update(
    *,
    actor: User,
    campaign: Campaign,
    mass_opinions: str | None = None,
    meeting: Activity | None = None,
    comprehensive_opinion: str | None = None,
) -> Campaign:
    """Mass opinions, the special meeting and the branch's opinion; None leaves a field."""
    with _audit(actor, "campaign.update"):
        campaign = _campaign_for_write(actor, campaign)
        fields = []
        if mass_opinions is not None:
            campaign.mass_opinions = mass_opinions.strip()
            fields.append("mass_opinions")
        if comprehensive_opinion is not None:
            campaign.comprehensive_opinion = comprehensive_opinion.strip()
            fields.append("comprehensive_opinion")
        if meeting is not None:
            meeting = Activity.objects.filter(pk=meeting.pk).first()
            tz = timezone.get_current_timezone()
            if (
                meeting is None
                or meeting.organization_id != campaign.organization_id
                or meeting.kind != ActivityKind.ORG_LIFE
                or meeting.starts_at.astimezone(tz).year != campaign.year
            ):
                raise ValidationError(
                    {
                        "meeting": _(
                            "The meeting must be a thematic organisational life meeting "
                            "of %(org)s held in %(year)s."
                        )
                        % {"org": campaign.organization, "year": campaign.year}
                    }
                )
            campaign.meeting = meeting
            fields.append("meeting")
        if fields:
            campaign.save(update_fields=fields)
        return campaign


EVALUATION_FIELDS = ("rating", "self_analysis_done", "opinion", "rectification", "leader_analysis")


@transaction.atomic
def evaluations_save(
    *, actor: User, campaign: Campaign, entries: dict[int, dict]
) -> list[Evaluation]:
    """Save the evaluations of several members of the branch at once.

    entries: {member_id: {"rating", "self_analysis_done", "opinion",
    "rectification", "leader_analysis"}}; members not given are left alone.
    """
    with _audit(actor, "campaign.evaluations"):
        campaign = _campaign_for_write(actor, campaign)
        roster = {
            m.pk: m
            for m in Member.objects.filter(branch_id=campaign.organization_id, left_on__isnull=True)
        }
        unknown = sorted(set(entries) - set(roster))
        if unknown:
            names = dict(
                Member.objects.visible_to(actor)
                .filter(pk__in=[pk for pk in unknown if isinstance(pk, int)])
                .values_list("pk", "name")
            )
            raise ValidationError(
                {
                    "member": _("Not current members of %(org)s: %(names)s.")
                    % {
                        "org": campaign.organization,
                        "names": "、".join(names.get(pk, f"#{pk}") for pk in unknown),
                    }
                }
            )
        rows = []
        for member_id, entry in entries.items():
            member = roster[member_id]
            rating = (entry.get("rating") or "").strip()
            if rating and rating not in Rating.values:
                raise ValidationError(
                    {
                        "rating": _("%(name)s: unknown rating “%(rating)s”.")
                        % {"name": member, "rating": rating}
                    }
                )
            if campaign.kind == CampaignKind.DEMOCRATIC_REVIEW and not rating:
                raise ValidationError({"rating": _("%(name)s: give a rating.") % {"name": member}})
            leader_analysis = (entry.get("leader_analysis") or "").strip()
            if leader_analysis and not member.leadership_level:
                raise ValidationError(
                    {
                        "leader_analysis": _(
                            "%(name)s is not a leading cadre; the leading cadre's "
                            "analysis is only for leading cadres."
                        )
                        % {"name": member}
                    }
                )
            evaluation = Evaluation(
                campaign=campaign,
                member=member,
                rating=rating,
                self_analysis_done=bool(entry.get("self_analysis_done")),
                opinion=(entry.get("opinion") or "").strip(),
                rectification=(entry.get("rectification") or "").strip(),
                leader_analysis=leader_analysis,
                recorded_by=actor,
            )
            evaluation.full_clean(
                exclude=["campaign", "member", "recorded_by"],
                validate_unique=False,
                validate_constraints=False,
            )
            rows.append(evaluation)
        Evaluation.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["campaign", "member"],
            update_fields=[*EVALUATION_FIELDS, "recorded_by", "updated_at"],
        )
        return rows


@transaction.atomic
def party_spirit_schedule(
    *, actor: User, committee: Organization, year: int, notes: str = ""
) -> PartySpiritSchedule:
    """A committee at county level or above schedules the five-yearly analysis.

    Refused within the policy interval of a schedule of the committee, of a
    committee above it or of one below it. A schedule for this year opens the
    campaigns of every grassroots organisation of the subtree at once; later
    years are opened by the yearly cycle.
    """
    with _audit(actor, "party_spirit.schedule"):
        committee = Organization.objects.get(pk=committee.pk)
        scoping.require(actor, scoping.CHANGE, committee)
        if committee.kind != OrgKind.LOCAL_COMMITTEE or committee.level not in SCHEDULING_LEVELS:
            raise ValidationError(
                {
                    "committee": _(
                        "Only a local party committee at county level or above "
                        "arranges the party-spirit analysis; %(org)s is not one."
                    )
                    % {"org": committee}
                }
            )
        today = timezone.localdate()
        if year < today.year:
            raise ValidationError({"year": _("The year cannot be in the past.")})
        if year > today.year + 10:
            raise ValidationError({"year": _("The year is too far ahead.")})
        # One schedule at a time per province: the interval check must see the others.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [SCHEDULE_LOCK_KEY, committee.province_id or committee.pk],
            )
        interval = policy_in_force(
            committee, "party_spirit_analysis_interval_years", max(today, date(year, 1, 1))
        )
        clash = (
            PartySpiritSchedule.objects.filter(
                Q(committee__path__ancestor_of=committee.path)
                | Q(committee__path__descendant_of=committee.path),
                year__gt=year - interval,
                year__lt=year + interval,
            )
            .select_related("committee")
            .order_by("year")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "year": _(
                        "%(committee)s already arranged the party-spirit analysis for "
                        "%(found)s; it is held once every %(interval)s years."
                    )
                    % {"committee": clash.committee, "found": clash.year, "interval": interval}
                }
            )
        schedule = PartySpiritSchedule.objects.create(
            committee=committee, year=year, notes=notes.strip(), scheduled_by=actor
        )
        if year == today.year:
            campaigns_open(
                kind=CampaignKind.PARTY_SPIRIT,
                year=year,
                branch_ids=list(
                    Organization.objects.within(committee)
                    .filter(kind__in=GRASSROOTS_KINDS, dissolved__isnull=True)
                    .values_list("pk", flat=True)
                ),
                schedule=schedule,
            )
        return schedule


# --- Registries: teachers, education bases, textbooks -------------------------------


def _registry_picks(organization: Organization, **picks):
    """Re-read each picked registry entry and refuse one kept outside the
    organisation's ancestor line (own, parents, …) or no longer in use."""
    from .models import EducationBase, Teacher, Textbook
    from .selectors import registry_line

    line = registry_line(organization)
    models = {"teacher": Teacher, "base": EducationBase, "textbook": Textbook}
    result = []
    for field, model in models.items():
        entry = picks.get(field)
        if entry is None:
            result.append(None)
            continue
        entry = model.objects.filter(pk=entry.pk).select_related("organization").first()
        if entry is None or entry.organization_id not in line:
            raise ValidationError(
                {
                    field: _(
                        "%(entry)s is not in the registries of %(org)s or of its "
                        "higher organisations."
                    )
                    % {"entry": picks[field], "org": organization}
                }
            )
        if not entry.active:
            raise ValidationError({field: _("%(entry)s is no longer in use.") % {"entry": entry}})
        result.append(entry)
    return result


def _registry_for_write(actor: User, model, entry=None, organization=None):
    """The entry re-read and locked (update) or the keeping organisation (create),
    with the actor's right to change it checked."""
    if entry is not None:
        entry = model.objects.select_for_update().get(pk=entry.pk)
        organization = Organization.objects.get(pk=entry.organization_id)
    elif organization is not None:
        organization = Organization.objects.get(pk=organization.pk)
    else:
        raise ValidationError({"organization": _("Say which organisation keeps the entry.")})
    scoping.require(actor, scoping.CHANGE, organization)
    return entry, organization


def _registry_store(entry, duplicate: dict) -> None:
    """Validate and save; a duplicate gets a message naming the field."""
    from django.db import IntegrityError

    model = type(entry)
    lookup = {k: getattr(entry, k) for k in duplicate["fields"]}
    clash = model.objects.filter(organization_id=entry.organization_id, **lookup)
    if entry.pk:
        clash = clash.exclude(pk=entry.pk)
    if clash.exists():
        raise ValidationError({duplicate["field"]: duplicate["message"]})
    entry.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # a concurrent save took the name first
        raise ValidationError({duplicate["field"]: duplicate["message"]}) from None


def _text(value) -> str:
    return (value or "").strip()


@transaction.atomic
def teacher_save(
    *,
    actor: User,
    name: str,
    category: str,
    organization: Organization | None = None,
    teacher=None,
    specialty: str = "",
    unit: str = "",
    member: Member | None = None,
):
    """Create a teacher kept by `organization`, or update `teacher`."""
    from .models import Teacher, TeacherCategory

    with _audit(actor, "teacher.save"):
        teacher, organization = _registry_for_write(actor, Teacher, teacher, organization)
        name, unit = _text(name), _text(unit)
        if not name:
            raise ValidationError({"name": _("Give the teacher's name.")})
        if category not in TeacherCategory.values:
            raise ValidationError({"category": _("Choose the teacher's category.")})
        if (
            member is not None
            and not Member.objects.visible_to(actor).filter(pk=member.pk).exists()
        ):
            raise ValidationError({"member": _("No such member record.")})
        teacher = teacher or Teacher(organization=organization)
        teacher.name, teacher.category, teacher.unit = name, category, unit
        teacher.specialty = _text(specialty)
        teacher.member = member
        _registry_store(
            teacher,
            {
                "fields": ("name", "unit"),
                "field": "name",
                "message": _("%(org)s already keeps the teacher %(name)s of %(unit)s.")
                % {"org": organization, "name": name, "unit": unit or "—"},
            },
        )
        return teacher


@transaction.atomic
def education_base_save(
    *,
    actor: User,
    name: str,
    organization: Organization | None = None,
    base=None,
    address: str = "",
    theme: str = "",
):
    """Create an education base kept by `organization`, or update `base`."""
    from .models import EducationBase

    with _audit(actor, "education_base.save"):
        base, organization = _registry_for_write(actor, EducationBase, base, organization)
        name = _text(name)
        if not name:
            raise ValidationError({"name": _("Give the name of the education base.")})
        base = base or EducationBase(organization=organization)
        base.name, base.address, base.theme = name, _text(address), _text(theme)
        _registry_store(
            base,
            {
                "fields": ("name",),
                "field": "name",
                "message": _("%(org)s already keeps an education base named %(name)s.")
                % {"org": organization, "name": name},
            },
        )
        return base


@transaction.atomic
def textbook_save(
    *,
    actor: User,
    title: str,
    organization: Organization | None = None,
    textbook=None,
    publisher: str = "",
    published_year: int | None = None,
):
    """Create a textbook kept by `organization`, or update `textbook`."""
    from .models import Textbook

    with _audit(actor, "textbook.save"):
        textbook, organization = _registry_for_write(actor, Textbook, textbook, organization)
        title = _text(title)
        if not title:
            raise ValidationError({"title": _("Give the title of the textbook.")})
        this_year = timezone.localdate().year
        if published_year is not None and not 1921 <= published_year <= this_year:
            raise ValidationError(
                {
                    "published_year": _("The year published must be between 1921 and %(year)s.")
                    % {"year": this_year}
                }
            )
        textbook = textbook or Textbook(organization=organization)
        textbook.title, textbook.publisher = title, _text(publisher)
        textbook.published_year = published_year
        _registry_store(
            textbook,
            {
                "fields": ("title",),
                "field": "title",
                "message": _("%(org)s already keeps a textbook titled %(title)s.")
                % {"org": organization, "title": title},
            },
        )
        return textbook


def _registry_entry_uses(entry) -> int:
    from .models import SelfStudy, Textbook

    uses = entry.activities.count()
    if isinstance(entry, Textbook):
        uses += SelfStudy.objects.filter(textbook=entry).count()
    return uses


@transaction.atomic
def registry_entry_deactivate(*, actor: User, entry, active: bool = False):
    """Take a teacher, base or textbook off the pick lists (or back on with
    `active=True`); activities that used it keep it."""
    with _audit(actor, "registry.deactivate" if not active else "registry.reactivate"):
        entry, _org = _registry_for_write(actor, type(entry), entry)
        if entry.active != active:
            entry.active = active
            entry.save(update_fields=["active"])
        return entry


@transaction.atomic
def registry_entry_delete(*, actor: User, entry) -> None:
    """Delete an entry no activity or self-study record uses; a used one is
    deactivated instead, so the records keep their teacher, base or textbook."""
    with _audit(actor, "registry.delete"):
        entry, _org = _registry_for_write(actor, type(entry), entry)
        uses = _registry_entry_uses(entry)
        if uses:
            raise ValidationError(
                {
                    "active": _(
                        "%(entry)s is used by %(n)s records; deactivate it instead of deleting it."
                    )
                    % {"entry": entry, "n": uses}
                }
            )
        entry.delete()


# --- Attachments: photos and sign-in sheet scans --------------------------------------

MAX_ATTACHMENTS_PER_ACTIVITY = 30


def _size_text(size: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(size))


@transaction.atomic
def attachment_add(*, actor: User, activity: Activity, kind: str, uploaded_file):
    """Attach one file to an activity.

    The type is read from the file's first bytes (JPEG, PNG, WebP, PDF, as the
    kind allows), never from its name; the stored name is a random token with
    the sniffed extension. The file is removed again if the transaction fails
    inside this call; callers adding several files use `attachments_add`.
    """
    import secrets

    from django.conf import settings

    from . import files
    from .models import Attachment, AttachmentKind

    with _audit(actor, "attachment.add"):
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        scoping.require(actor, scoping.CHANGE, activity.organization)
        name = files.clean_name(getattr(uploaded_file, "name", ""))
        if kind not in AttachmentKind.values:
            raise ValidationError(
                {"kind": _("Choose what kind of attachment %(name)s is.") % {"name": name}}
            )
        size = uploaded_file.size or 0
        if size <= 0:
            raise ValidationError({"file": _("The file %(name)s is empty.") % {"name": name}})
        limit = settings.EDUCATION_ATTACHMENT_MAX_BYTES
        if size > limit:
            raise ValidationError(
                {
                    "file": _("The file %(name)s is %(size)s; at most %(max)s is allowed.")
                    % {"name": name, "size": _size_text(size), "max": _size_text(limit)}
                }
            )
        if activity.attachments.count() >= MAX_ATTACHMENTS_PER_ACTIVITY:
            raise ValidationError(
                {
                    "file": _(
                        "%(name)s was not added: an activity has at most %(max)s attachments."
                    )
                    % {"name": name, "max": MAX_ATTACHMENTS_PER_ACTIVITY}
                }
            )
        found = files.sniff_file(uploaded_file)
        accepted = files.ACCEPTED[kind]
        if found not in accepted:
            raise ValidationError(
                {
                    "file": _(
                        "The file %(name)s is not a %(types)s file; "
                        "%(kind)s attachments must be one of these."
                    )
                    % {
                        "name": name,
                        "types": " / ".join(t.label for t in accepted),
                        "kind": AttachmentKind(kind).label,
                    }
                }
            )
        attachment = Attachment(
            activity=activity,
            kind=kind,
            token=secrets.token_hex(16),
            extension=found.extension,
            original_name=name,
            content_type=found.content_type,
            size=size,
            uploaded_by=actor,
        )
        attachment.file.save(attachment.token + found.extension, uploaded_file, save=False)
        try:
            attachment.full_clean()
            with transaction.atomic():
                attachment.save()
        except Exception:
            attachment.file.storage.delete(attachment.file.name)
            raise
        return attachment


@transaction.atomic
def attachments_add(*, actor: User, activity: Activity, kind: str, uploaded_files) -> list:
    """Attach several files: all of them or, if one is refused, none."""
    added = []
    try:
        for uploaded_file in uploaded_files:
            added.append(
                attachment_add(
                    actor=actor, activity=activity, kind=kind, uploaded_file=uploaded_file
                )
            )
    except Exception:
        for attachment in added:
            attachment.file.storage.delete(attachment.file.name)
        raise
    if not added:
        raise ValidationError({"file": _("Choose at least one file.")})
    return added


@transaction.atomic
def attachment_delete(*, actor: User, attachment) -> None:
    """Delete the attachment; its file goes once the deletion is committed."""
    from .models import Attachment

    with _audit(actor, "attachment.delete"):
        attachment = (
            Attachment.objects.select_for_update()
            .select_related("activity__organization")
            .get(pk=attachment.pk)
        )
        scoping.require(actor, scoping.CHANGE, attachment.activity.organization)
        storage, name = attachment.file.storage, attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))


# --- Party workers, party-school rotation, reminders (helper-c2) --------------------
# document 1, 三（一）: grassroots party workers, above all the heads of grassroots
# organisations, are trained at a county-level or higher party school every 3 years.


def _member_in_reach(actor: User, member: Member) -> Member:
    found = Member.objects.visible_to(actor).filter(pk=member.pk).select_related("branch").first()
    if found is None:
        raise ValidationError({"member": _("No such member within your reach.")})
    return found


@transaction.atomic
def party_worker_save(
    *,
    actor: User,
    member: Member,
    organization: Organization,
    post: str,
    since: date,
    until: date | None = None,
):
    """Record that a member holds a post in a grassroots organisation."""
    from .models import PartyPost, PartyWorker

    with _audit(actor, "party_worker.save"):
        organization = Organization.objects.get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        if organization.kind not in GRASSROOTS_KINDS:
            raise ValidationError(
                {
                    "organization": _(
                        "%(org)s is not a grassroots organisation (party branch, general "
                        "branch or grassroots committee)."
                    )
                    % {"org": organization}
                }
            )
        member = _member_in_reach(actor, member)
        if member.left_on is not None:
            raise ValidationError(
                {"member": _("%(name)s has left the party organisation.") % {"name": member}}
            )
        if post not in PartyPost.values:
            raise ValidationError({"post": _("Choose a post from the list.")})
        if until is not None and until < since:
            raise ValidationError({"until": _("The end of the post cannot be before its start.")})
        if since > timezone.localdate():
            raise ValidationError({"since": _("The start of the post cannot be in the future.")})
        # One open post of a kind per member and organisation; serialise on the member.
        Member.objects.select_for_update().filter(pk=member.pk).first()
        if (
            until is None
            and PartyWorker.objects.filter(
                member=member, organization=organization, post=post, until__isnull=True
            ).exists()
        ):
            raise ValidationError(
                {
                    "post": _(
                        "%(name)s already holds the post of %(post)s in %(org)s; end it first."
                    )
                    % {
                        "name": member,
                        "post": PartyPost(post).label,
                        "org": organization,
                    }
                }
            )
        worker = PartyWorker(
            member=member, organization=organization, post=post, since=since, until=until
        )
        worker.full_clean()
        worker.save()
        return worker


@transaction.atomic
def party_worker_end(*, actor: User, worker, on: date):
    """End a post on `on` (its last day)."""
    from .models import PartyWorker

    with _audit(actor, "party_worker.end"):
        worker = (
            PartyWorker.objects.select_for_update(of=("self",))
            .select_related("organization", "member")
            .get(pk=worker.pk)
        )
        scoping.require(actor, scoping.CHANGE, worker.organization)
        if worker.until is not None:
            raise ValidationError(
                {"until": _("This post already ended on %(day)s.") % {"day": worker.until}}
            )
        if on < worker.since:
            raise ValidationError(
                {
                    "until": _("The post began on %(day)s; it cannot end before that.")
                    % {"day": worker.since}
                }
            )
        worker.until = on
        worker.save(update_fields=["until"])
        _resolve_party_school_reminders(worker)
        return worker


def _require_change_for_member(actor: User, member: Member) -> None:
    """CHANGE on the member's branch, or on an organisation where the member
    holds a post (a county committee records its township secretaries)."""
    from .models import PartyWorker

    scoping.lock_tree_shared()
    places = [member.branch] + [
        w.organization
        for w in PartyWorker.objects.filter(member=member, until__isnull=True).select_related(
            "organization"
        )
    ]
    if any(scoping.can(actor, scoping.CHANGE, org) for org in places):
        return
    scoping.require(actor, scoping.CHANGE, member.branch)


@transaction.atomic
def party_school_training_add(
    *,
    actor: User,
    member: Member,
    school: str,
    level: str,
    starts_on: date,
    ends_on: date,
    course: str = "",
):
    """Record a rotation course at a party school of county level or above.

    Resolves the member's open party-school reminders that it answers.
    """
    from branches.models import Reminder, ReminderKind

    from .models import PartySchoolTraining, SchoolLevel
    from .selectors import add_years, policy_for_orgs

    with _audit(actor, "party_school_training.add"):
        member = _member_in_reach(actor, member)
        _require_change_for_member(actor, member)
        if level not in SchoolLevel.values:
            raise ValidationError(
                {
                    "level": _(
                        "Only a party school at county level or above counts for the rotation."
                    )
                }
            )
        if not school.strip():
            raise ValidationError({"school": _("Name the party school.")})
        today = timezone.localdate()
        if ends_on > today:
            raise ValidationError(
                {
                    "ends_on": _("The training has not ended yet; record it after %(day)s.")
                    % {"day": ends_on}
                }
            )
        if starts_on > ends_on:
            raise ValidationError({"ends_on": _("The end cannot be before the start.")})
        training = PartySchoolTraining(
            member=member,
            school=school.strip(),
            level=level,
            starts_on=starts_on,
            ends_on=ends_on,
            course=course.strip(),
            recorded_by=actor,
        )
        training.full_clean()
        training.save()
        open_reminders = list(
            Reminder.objects.select_for_update()
            .filter(
                member=member,
                kind__in=[ReminderKind.PARTY_SCHOOL_DUE, ReminderKind.PARTY_SCHOOL_OVERDUE],
                resolved_at__isnull=True,
            )
            .select_related("organization")
        )
        intervals = policy_for_orgs(
            {r.organization_id: r.organization for r in open_reminders}.values(),
            "party_school_rotation_interval_years",
            today,
        )
        answered = [
            r.pk
            for r in open_reminders
            if add_years(ends_on, intervals[r.organization_id]) > r.due_on
        ]
        Reminder.objects.filter(pk__in=answered).update(resolved_at=timezone.now())
        return training


@transaction.atomic
def reminder_resolve(*, actor: User, reminder):
    """Mark a reminder as dealt with; a second call changes nothing."""
    from branches.models import Reminder

    with _audit(actor, "reminder.resolve"):
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=reminder.pk)
        )
        scoping.require(actor, scoping.CHANGE, reminder.organization)
        if reminder.resolved_at is None:
            reminder.resolved_at = timezone.now()
            reminder.save(update_fields=["resolved_at"])
        return reminder


# --- Resolving reminders (keys as raised in education/cycles.py) --------------------


def _lecturer_in_reach(actor: User, member: Member) -> Member:
    found = Member.objects.visible_to(actor).filter(pk=member.pk).first()
    if found is None:
        raise ValidationError({"lecturer_member": _("No such member within your reach.")})
    return found


def _resolve_leader_lecture(member: Member, year: int) -> None:
    """Resolve the leader's lecture reminder of `year` once the lectures and
    situation reports given reach the yearly requirement."""
    from branches.models import Reminder

    from .selectors import leaders_without_lecture

    member = Member.objects.select_related("branch").get(pk=member.pk)
    if leaders_without_lecture(member.branch, year, members=Member.objects.filter(pk=member.pk)):
        return
    Reminder.objects.filter(
        key=f"leader_lecture:{member.pk}:{year}", resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def _resolve_party_school_reminders(worker) -> None:
    """A member who holds no other post once `worker`'s ends no longer owes the
    party-school rotation: resolve the open rotation reminders."""
    from branches.models import Reminder, ReminderKind

    from .models import PartyWorker

    other_posts = PartyWorker.objects.filter(member_id=worker.member_id).exclude(pk=worker.pk)
    if other_posts.filter(Q(until__isnull=True) | Q(until__gt=worker.until)).exists():
        return
    prefixes = [
        f"{kind}:{worker.member_id}:"
        for kind in (ReminderKind.PARTY_SCHOOL_DUE, ReminderKind.PARTY_SCHOOL_OVERDUE)
    ]
    Reminder.objects.filter(
        Q(key__startswith=prefixes[0]) | Q(key__startswith=prefixes[1]),
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())
