"""Reads: a member's year against the requirement of document 1, 三（四）."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from branches.models import CADRE_SECTORS, Organization
from branches.policies import policies_for_organizations
from members.models import FlagKind, Member

from .models import Attendance, EducationBase, Teacher, Textbook, YearlyTotal


@dataclass(frozen=True)
class YearStatus:
    member: Member
    year: int
    hours: Decimal
    hours_per_day: Decimal
    required_days: int
    individual: bool  # aged or infirm: handled individually (送学上门)
    # Self-study (自主学习) is shown beside; it counts only where the policy
    # `self_study_counts` in force says "yes". `hours` stays collective only.
    self_study_hours: Decimal = Decimal(0)
    self_study_counts: bool = False

    @property
    def counted_hours(self) -> Decimal:
        """The hours measured against the requirement."""
        if self.self_study_counts:
            return self.hours + self.self_study_hours
        return self.hours

    @property
    def days(self) -> Decimal:
        return (self.counted_hours / self.hours_per_day).quantize(Decimal("0.1"))

    @property
    def required_hours(self) -> Decimal:
        return self.required_days * self.hours_per_day

    @property
    def remaining_hours(self) -> Decimal:
        return max(Decimal(0), self.required_hours - self.counted_hours)

    @property
    def compliant(self) -> bool:
        return self.individual or self.counted_hours >= self.required_hours

    @property
    def short(self) -> bool:
        return not self.compliant


def _reference_day(year: int) -> date:
    today = timezone.localdate()
    return today if year == today.year else date(year, 12, 31)


def year_statuses(members, year: int) -> list[YearStatus]:
    """Statuses of several members: one query each for totals, flags and the
    policy figures of all their branches (plus the branches, unless loaded)."""
    members = list(members)
    totals = {
        member_id: (hours, self_study)
        for member_id, hours, self_study in YearlyTotal.objects.filter(
            member__in=members, year=year
        ).values_list("member_id", "hours", "self_study_hours")
    }
    aged = set(
        Member.objects.filter(
            pk__in=[m.pk for m in members],
            flags__kind=FlagKind.AGED_INFIRM,
            flags__cleared_on__isnull=True,
        ).values_list("pk", flat=True)
    )
    branches = {}
    missing = set()
    for member in members:
        if "branch" in member._state.fields_cache:
            branches[member.branch_id] = member.branch
        else:
            missing.add(member.branch_id)
    if missing - set(branches):
        for branch in Organization.objects.filter(pk__in=missing - set(branches)).only("path"):
            branches[branch.pk] = branch
    policies = policies_for_organizations(branches.values(), _reference_day(year))
    statuses = []
    for member in members:
        policy = policies[member.branch_id]
        cadre = member.employer_sector in CADRE_SECTORS
        statuses.append(
            YearStatus(
                member=member,
                year=year,
                hours=totals.get(member.pk, (Decimal(0),))[0],
                hours_per_day=Decimal(str(policy["education_hours_per_day"])),
                required_days=policy[
                    "education_days_cadre_sectors" if cadre else "education_days_other_sectors"
                ],
                individual=member.pk in aged,
                self_study_hours=totals.get(member.pk, (0, Decimal(0)))[1],
                self_study_counts=policy["self_study_counts"] == "yes",
            )
        )
    return statuses


def year_status(member: Member, year: int) -> YearStatus:
    return year_statuses([member], year)[0]


def counted_activities(member: Member, year: int):
    """What counted for the member this year, each activity."""
    return (
        Attendance.objects.filter(member=member, activity__starts_at__year=year)
        .select_related("activity", "activity__organization")
        .order_by("activity__starts_at")
    )


@dataclass(frozen=True)
class AbsenceRow:
    member: Member
    absences: int
    missed: list  # the activities missed, oldest first
    criticised_on: date | None  # the latest criticism of the member
    since_criticism: int  # unexcused absences after that criticism

    @property
    def persists(self) -> bool:
        return self.criticised_on is not None and self.since_criticism > 0


def repeated_absences(members, year: int, threshold: int) -> list[AbsenceRow]:
    """Members with at least `threshold` unexcused absences in `year` (document 1, 四).

    Three queries whatever the number of members: totals, the absences, the
    latest criticism of each.
    """
    from django.db.models import Max

    from members.models import Handling, HandlingStage

    from .models import AttendanceStatus

    members = {m.pk: m for m in members}
    counts = dict(
        YearlyTotal.objects.filter(member_id__in=members, year=year, absences__gte=threshold)
        .order_by()
        .values_list("member_id", "absences")
    )
    if not counts:
        return []
    missed: dict[int, list] = {pk: [] for pk in counts}
    for row in (
        Attendance.objects.filter(
            member_id__in=counts, status=AttendanceStatus.ABSENT, activity__starts_at__year=year
        )
        .select_related("activity")
        .order_by("activity__starts_at")
    ):
        missed[row.member_id].append(row.activity)
    criticised = dict(
        Handling.objects.filter(member_id__in=counts, stage=HandlingStage.CRITICISM)
        .values("member_id")
        .annotate(last=Max("on"))
        .values_list("member_id", "last")
    )
    rows = []
    for pk, absences in counts.items():
        last = criticised.get(pk)
        after = [
            a
            for a in missed[pk]
            if last is not None
            and a.starts_at.astimezone(timezone.get_current_timezone()).date() > last
        ]
        rows.append(AbsenceRow(members[pk], absences, missed[pk], last, len(after)))
    rows.sort(key=lambda r: (-r.absences, r.member.name))
    return rows


# --- Guests, self-study and closed years (helper-b) -----------------------------


def year_is_closed(organization, year: int) -> bool:
    """Is `year` closed for the organisation's province? One query."""
    from .models import YearClosure

    if organization is None or organization.province_id is None:
        return False
    return YearClosure.objects.filter(organization_id=organization.province_id, year=year).exists()


def province_closures(organization):
    """The closed years of the organisation's province.

    Not filtered by `visible_to`: whether a year is closed is a fact of the
    whole province that everyone inside it must know; the caller has already
    fetched `organization` through `visible_to`.
    """
    from .models import YearClosure

    return (
        YearClosure.objects.filter(organization_id=organization.province_id)
        .select_related("organization", "closed_by")
        .order_by("-year")
    )


GUEST_RESULTS = 20


def guest_candidates(actor, query: str, *, activity=None):
    """Members outside the activity's roster that `actor` may record as guests.

    Any current member the actor can see: members of other branches in the
    actor's subtree and members granted to the actor by a workflow (a
    django-guardian object permission, unexpired). At most 20, by name.

    A certificate number (《流动党员活动证》) finds the member checked in with it
    at an organisation the actor may change.
    """
    from django.db.models import Q

    from mobility.selectors import checked_in_member_ids

    query = (query or "").strip()
    if not query:
        return Member.objects.none()
    members = Member.objects.filter(
        Q(pk__in=Member.objects.visible_to(actor).filter(name__icontains=query).values("pk"))
        | Q(pk__in=checked_in_member_ids(actor, query)),
        left_on__isnull=True,
    )
    if activity is not None:
        members = members.exclude(branch_id=activity.organization_id).exclude(
            attendances__activity=activity
        )
    return members.select_related("branch").order_by("name", "pk")[:GUEST_RESULTS]


def resolve_guest(actor, member_id: int) -> Member:
    """The member `actor` may record as a guest, or ValidationError naming the id.

    A grant that expired or was revoked no longer reaches the member; a member
    checked in by certificate at an organisation the actor may change is valid.
    """
    from django.core.exceptions import ValidationError
    from django.db.models import Q
    from django.utils.translation import gettext as _

    from mobility.selectors import checked_in_member_ids

    member = (
        Member.objects.filter(
            Q(pk__in=Member.objects.visible_to(actor).values("pk"))
            | Q(pk__in=checked_in_member_ids(actor)),
            pk=member_id,
            left_on__isnull=True,
        )
        .select_related("branch")
        .first()
    )
    if member is None:
        raise ValidationError(
            {
                "guests": _(
                    "Member %(id)s cannot be added as a guest: not found, not current, "
                    "or no longer granted to you."
                )
                % {"id": member_id}
            }
        )
    return member


def guest_attendances(activity, user):
    """Guests recorded at the activity, with whether `user` may open each
    member's record (two queries)."""
    rows = list(
        activity.attendances.exclude(member__branch_id=activity.organization_id)
        .select_related("member", "member__branch")
        .order_by("member__name")
    )
    visible = set(
        Member.objects.visible_to(user)
        .filter(pk__in=[r.member_id for r in rows])
        .values_list("pk", flat=True)
    )
    return [(row, row.member_id in visible) for row in rows]


@dataclass(frozen=True)
class SelfStudyRow:
    member: Member
    plan: str
    records: int
    hours: Decimal


def self_study_overview(members, year: int) -> list[SelfStudyRow]:
    """Plans and self-study hours of several members in a year (three queries)."""
    from django.db.models import Count

    from .models import SelfStudy, StudyPlan

    members = list(members)
    plans = dict(
        StudyPlan.objects.filter(member__in=members, year=year).values_list("member_id", "content")
    )
    hours = dict(
        YearlyTotal.objects.filter(member__in=members, year=year).values_list(
            "member_id", "self_study_hours"
        )
    )
    counts = dict(
        SelfStudy.objects.filter(member__in=members, on__year=year)
        .order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    return [
        SelfStudyRow(
            member=m,
            plan=plans.get(m.pk, ""),
            records=counts.get(m.pk, 0),
            hours=hours.get(m.pk, Decimal(0)),
        )
        for m in members
    ]


# --- Review campaigns (document 1, 二（二）3) ---------------------------------------


def campaign_is_evaluated(campaign, evaluation) -> bool:
    """A democratic review needs a rating; a party-spirit analysis the branch's
    comprehensive opinion of the member."""
    from .models import CampaignKind

    if evaluation is None:
        return False
    if campaign.kind == CampaignKind.DEMOCRATIC_REVIEW:
        return bool(evaluation.rating)
    return bool(evaluation.opinion)


def campaign_unhandled(campaign, member_ids) -> set[int]:
    """Of these members (rated unqualified), those without organisational
    handling recorded on or after the day the campaign opened."""
    from members.models import Handling

    opened = timezone.localtime(campaign.opened_at).date()
    handled = set(
        Handling.objects.filter(member_id__in=list(member_ids), on__gte=opened).values_list(
            "member_id", flat=True
        )
    )
    return set(member_ids) - handled


def campaign_missing(campaign) -> dict[str, list[str]]:
    """What keeps a campaign from being complete: steps not recorded, current
    members not evaluated, members rated unqualified without handling.
    Four queries."""
    from .models import STEPS, CampaignKind, CampaignStep, Rating

    missing: dict[str, list[str]] = {}
    done = set(campaign.steps.values_list("step", flat=True))
    steps = [
        str(CampaignStep(s).label) for s in STEPS[CampaignKind(campaign.kind)] if s not in done
    ]
    if steps:
        missing["steps"] = steps
    members = list(
        Member.objects.filter(branch_id=campaign.organization_id, left_on__isnull=True)
        .order_by("name")
        .only("pk", "name")
    )
    evaluations = {e.member_id: e for e in campaign.evaluations.filter(member__in=members)}
    not_evaluated = [
        m.name for m in members if not campaign_is_evaluated(campaign, evaluations.get(m.pk))
    ]
    if not_evaluated:
        missing["evaluations"] = not_evaluated
    unqualified = [
        m for m in members if getattr(evaluations.get(m.pk), "rating", "") == Rating.UNQUALIFIED
    ]
    if unqualified:
        unhandled = campaign_unhandled(campaign, [m.pk for m in unqualified])
        names = [m.name for m in unqualified if m.pk in unhandled]
        if names:
            missing["handling"] = names
    return missing


def campaigns_with_progress(queryset):
    """Campaigns with steps_done and evaluated counted in the same query."""
    from django.db.models import Count, Q

    from .models import CampaignKind

    return queryset.annotate(
        steps_done=Count("steps", distinct=True),
        evaluated=Count(
            "evaluations",
            filter=Q(kind=CampaignKind.DEMOCRATIC_REVIEW, evaluations__rating__gt="")
            | Q(kind=CampaignKind.PARTY_SPIRIT, evaluations__opinion__gt=""),
            distinct=True,
        ),
    )


@dataclass
class CampaignCounts:
    open: int = 0
    closed: int = 0
    complete: int = 0

    @property
    def total(self) -> int:
        return self.open + self.closed


def campaign_rollup(user, organization, year: int) -> dict[int | None, dict[str, CampaignCounts]]:
    """Campaign counts of `year` per child organisation of `organization` and
    per kind, in one aggregate query over the subtree (key None: the
    organisation itself)."""
    from django.db.models import BigIntegerField, Count, F, Func, Q

    from .models import Campaign, CampaignStatus

    child = Func(
        F("organization__path"),
        template=(
            f"NULLIF(split_part(ltree2text(%(expressions)s), '.', {organization.depth + 2}), '')"
            "::bigint"
        ),
        output_field=BigIntegerField(),
    )
    rows = (
        Campaign.objects.visible_to(user)
        .filter(year=year, organization__path__descendant_of=organization.path)
        .annotate(child=child)
        .order_by()
        .values("child", "kind")
        .annotate(
            open=Count("pk", filter=Q(status=CampaignStatus.OPEN)),
            closed=Count("pk", filter=Q(status=CampaignStatus.CLOSED)),
            complete=Count("pk", filter=Q(complete=True)),
        )
    )
    result: dict[int | None, dict[str, CampaignCounts]] = {}
    for row in rows:
        result.setdefault(row["child"], {})[row["kind"]] = CampaignCounts(
            row["open"], row["closed"], row["complete"]
        )
    return result


def member_education(member: Member, user, year: int | None = None) -> dict:
    """The education tab of a member's page: years against the requirement and
    this year's attendance as the user may see it."""
    year = year or timezone.localdate().year
    years = sorted(
        set(member.yearly_totals.order_by().values_list("year", flat=True)) | {year},
        reverse=True,
    )[:5]
    from .models import Evaluation, PartySchoolTraining, PartyWorker, SelfStudy

    return {
        "year": year,
        "statuses": [year_status(member, y) for y in years],
        "attendance": Attendance.objects.visible_to(user)
        .filter(member=member, activity__starts_at__year=year)
        .select_related("activity", "activity__organization")
        .order_by("-activity__starts_at")[:100],
        "self_study": SelfStudy.objects.visible_to(user)
        .filter(member=member, on__year=year)
        .order_by("-on")[:20],
        "evaluations": Evaluation.objects.visible_to(user)
        .filter(member=member)
        .select_related("campaign")
        .order_by("-campaign__year", "campaign__kind")[:10],
        "posts": PartyWorker.objects.visible_to(user)
        .filter(member=member)
        .select_related("organization")
        .order_by("-since"),
        "trainings": PartySchoolTraining.objects.visible_to(user)
        .filter(member=member)
        .order_by("-ends_on")[:10],
    }


# --- Registries (teachers, education bases, textbooks) -----------------------------


def registry_line(organization) -> list[int]:
    """The organisation and its ancestors, highest first: whose registries it uses."""
    return [*organization.ancestor_ids, organization.pk]


def registry_choices(branch) -> dict:
    """Active teachers, bases and textbooks offered to `branch`'s activities.

    Registries are shared down the tree: an entry kept by an organisation is
    offered to its whole subtree, so the branch sees its own entries and those
    of every ancestor, never a sibling's. The branch itself must have been
    obtained through `visible_to`; the entries are not filtered again, since a
    branch secretary does not otherwise see the county's or province's rows.
    """
    line = registry_line(branch)
    return {
        "teacher": Teacher.objects.filter(organization_id__in=line, active=True)
        .select_related("organization")
        .order_by("name", "pk"),
        "base": EducationBase.objects.filter(organization_id__in=line, active=True)
        .select_related("organization")
        .order_by("name", "pk"),
        "textbook": Textbook.objects.filter(organization_id__in=line, active=True)
        .select_related("organization")
        .order_by("title", "pk"),
    }


def registry_entries(organization) -> dict:
    """The registries page of one organisation: its own entries (all, with how
    many activities use each) and the active ones inherited from its ancestors."""
    from django.db.models import Count

    own_line = [organization.pk]
    inherited_line = organization.ancestor_ids
    result = {}
    for key, model, order in (
        ("teachers", Teacher, ("name", "pk")),
        ("bases", EducationBase, ("name", "pk")),
        ("textbooks", Textbook, ("title", "pk")),
    ):
        result[key] = {
            "own": model.objects.filter(organization_id__in=own_line)
            .annotate(used=Count("activities"))
            .order_by("-active", *order),
            "inherited": model.objects.filter(organization_id__in=inherited_line, active=True)
            .select_related("organization")
            .order_by("organization__depth", *order),
        }
    return result


# --- Party-school rotation and leaders' lectures (helper-c2) ------------------------


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def policy_for_orgs(organizations, key: str, on: date) -> dict[int, object]:
    """The figure `key` in force on `on` for each organisation, in one query.

    `organizations`: objects with `pk` and `path`. The nearest override on the
    path wins, as in `branches.policies.policy_in_force`.
    """
    from django.db.models import Q

    from branches.models import PolicyOverride
    from branches.policies import get_policy

    policy = get_policy(key)
    paths = {org.pk: [int(label) for label in org.path.split(".")] for org in organizations}
    ancestor_ids = {pk for path in paths.values() for pk in path}
    overrides = dict(
        PolicyOverride.objects.filter(key=key, organization_id__in=ancestor_ids, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .values_list("organization_id", "value")
    )
    default = policy.clean(policy.default)
    figures = {}
    for pk, path in paths.items():
        value = default
        for ancestor in path:  # root first: the deepest override comes last and wins
            if ancestor in overrides:
                value = policy.clean(overrides[ancestor])
        figures[pk] = value
    return figures


def _loosest(key: str, root_path: str, on: date, pick) -> object:
    """The loosest figure `key` any organisation around `root_path` may have on `on`."""
    from django.db.models import Q

    from branches.models import PolicyOverride
    from branches.policies import get_policy

    policy = get_policy(key)
    values = [policy.clean(policy.default)]
    values += [
        policy.clean(v)
        for v in PolicyOverride.objects.filter(key=key, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(
            Q(organization__path__ancestor_of=root_path)
            | Q(organization__path__descendant_of=root_path)
        )
        .values_list("value", flat=True)
    ]
    return pick(values)


class RotationState:
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class RotationStatus:
    worker: object  # PartyWorker
    last_training: date | None
    due_on: date
    state: str
    remind_days: int
    on: date

    @property
    def is_head(self) -> bool:
        from .models import HEAD_POSTS

        return self.worker.post in HEAD_POSTS

    @property
    def days_left(self) -> int:
        return (self.due_on - self.on).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def current_workers(workers, on: date):
    """Posts held on `on`."""
    from django.db.models import Q

    return workers.filter(since__lte=on).filter(Q(until__isnull=True) | Q(until__gte=on))


def rotation_status(workers, on: date | None = None, *, attention_within=None):
    """Rotation status of each current worker of `workers` (a PartyWorker queryset).

    Due date: (end of the last county-or-higher party-school training, or the
    start of the post) + the rotation interval in force for the worker's
    organisation (document 1, 三（一）: every 3 years). Due soon: within the
    reminder days; overdue: past the due date. Heads come first.

    Two queries whatever the number of workers: the workers with their last
    training (a subquery), and the policy overrides (plus two for the
    pre-filter). `attention_within` (an organisation holding the workers)
    keeps only due-soon and overdue workers, pre-filtered in SQL by the
    loosest figures in force around it, so a province's list does not load
    every worker.
    """
    from datetime import timedelta

    from django.db.models import Max, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import PartySchoolTraining

    on = on or timezone.localdate()
    last = (
        PartySchoolTraining.objects.filter(member_id=OuterRef("member_id"), ends_on__lte=on)
        .order_by()
        .values("member_id")
        .annotate(last=Max("ends_on"))
        .values("last")
    )
    rows = (
        current_workers(workers, on)
        .select_related("member", "organization")
        .annotate(last_training=Subquery(last))
    )
    attention_only = attention_within is not None
    if attention_only:
        root = attention_within.path
        shortest = _loosest("party_school_rotation_interval_years", root, on, min)
        longest_notice = _loosest("party_school_reminder_days", root, on, max)
        # anchor + interval - notice > on means "ok" whatever the figures around.
        latest_anchor = add_years(on + timedelta(days=longest_notice), -shortest)
        rows = rows.alias(anchor=Coalesce("last_training", "since")).filter(
            anchor__lte=latest_anchor
        )
    rows = list(rows)
    orgs = {w.organization_id: w.organization for w in rows}.values()
    intervals = policy_for_orgs(orgs, "party_school_rotation_interval_years", on)
    notices = policy_for_orgs(orgs, "party_school_reminder_days", on)
    statuses = []
    for worker in rows:
        anchor = worker.last_training or worker.since
        due_on = add_years(anchor, intervals[worker.organization_id])
        notice = notices[worker.organization_id]
        if on > due_on:
            state = RotationState.OVERDUE
        elif on >= due_on - timedelta(days=notice):
            state = RotationState.DUE_SOON
        else:
            state = RotationState.OK
        if attention_only and state == RotationState.OK:
            continue
        statuses.append(RotationStatus(worker, worker.last_training, due_on, state, notice, on))
    statuses.sort(key=lambda s: (not s.is_head, s.due_on, s.worker.member.name, s.worker.pk))
    return statuses


def workers_within(organization, workers=None):
    """Party workers of the organisation's subtree."""
    from .models import PartyWorker

    workers = PartyWorker.objects.all() if workers is None else workers
    return workers.filter(organization__path__descendant_of=organization.path)


@dataclass(frozen=True)
class LeaderLecture:
    member: Member
    given: int
    required: int


def leaders_without_lecture(organization, year: int, members=None) -> list[LeaderLecture]:
    """Current leading cadres of the subtree with fewer party lectures or
    situation reports (as lecturer) in `year` than the policy asks
    (document 1, 二（二）1: every year). One aggregate query and one policy query.

    `members` narrows the candidates (e.g. `Member.objects.visible_to(user)`).
    """
    from django.db.models import Count, Q

    from .models import ActivityKind

    members = Member.objects.all() if members is None else members
    on = _reference_day(year)
    most = _loosest("leader_lectures_per_year", organization.path, on, max)
    leaders = list(
        members.filter(
            branch__path__descendant_of=organization.path,
            left_on__isnull=True,
        )
        .exclude(leadership_level="")
        .annotate(
            given=Count(
                "lectures_given",
                filter=Q(
                    lectures_given__kind__in=[ActivityKind.LECTURE, ActivityKind.REPORT],
                    lectures_given__starts_at__year=year,
                ),
            )
        )
        .filter(given__lt=most)
        .select_related("branch")
        .order_by("branch__path", "name", "pk")
    )
    required = policy_for_orgs(
        {m.branch_id: m.branch for m in leaders}.values(), "leader_lectures_per_year", on
    )
    return [
        LeaderLecture(m, m.given, required[m.branch_id])
        for m in leaders
        if m.given < required[m.branch_id]
    ]


def roster_q(branch, day: date) -> Q:
    """Members of `branch` on `day`, as a filter on its current members.

    Admitted after the day, or transferred in after it: not on that day's
    roster, so re-saving an old activity never credits them. (Members who
    moved away since keep the row recorded before they left.)
    """
    from datetime import datetime, time

    from members.models import Transfer, TransferStatus

    tz = timezone.get_current_timezone()
    next_day = datetime.combine(day, time.min, tzinfo=tz) + timedelta(days=1)
    arrived_later = Transfer.objects.filter(
        to_branch=branch, status=TransferStatus.ACCEPTED, decided_at__gte=next_day
    ).values("member_id")
    return Q(branch=branch, left_on__isnull=True, joined_on__lte=day) & ~Q(pk__in=arrived_later)
