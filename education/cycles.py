"""The education review cycles of one province on one day (DESIGN.md, "Cycles").

Each unit of work is keyed by (cycle, period, organisation) in a CycleRun
row; a finished unit is skipped, so running a day twice changes nothing.
Reminders are keyed by Reminder.key for the same reason. Work goes in
bounded batches of ids: a province has up to 5·10^4 organisations and 10^6
members.

- democratic_review (YYYY-MM-DD, daily): open the year's democratic review of
  every grassroots organisation still without one (new branches included);
- party_spirit (YYYY, from 1 January): open the party-spirit analyses a
  committee scheduled for the year;
- education_year_close (last year, from 1 January + grace days): close last
  year's campaigns, then the education year;
- party_school (YYYY-MM-DD, daily): reminders of party-school rotation due
  soon or overdue;
- leader_lecture (YYYY, from 1 October): reminders of leaders without the
  year's party lecture.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import CycleRun, Organization, Reminder, ReminderKind
from branches.policies import policy_in_force
from config import outbox
from members.models import Member

from . import selectors, services
from .models import Campaign, CampaignKind, CampaignStatus, PartySpiritSchedule, PartyWorker

log = logging.getLogger(__name__)

BATCH = 1000
WORKER_BATCH = 2000
LEADER_LECTURE_FROM = (10, 1)  # month, day


def provinces():
    """Ids of the tenant roots (the province-level organisations)."""
    return (
        Organization.objects.filter(province_id=F("pk"), dissolved__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def fan_out(request, day: date, *tasks) -> dict:
    """Enqueue each of `tasks(province_id, day)` for every province, after commit.

    `request` is the calling task's (the province tasks go to its queue).
    Task ids are keyed by province id, or by "task name:province id" when
    there are several tasks.
    """
    from celery.utils import uuid

    queue = (request.delivery_info or {}).get("routing_key") or None
    ids = {}
    for province_id in provinces():
        for task in tasks:
            key = province_id if len(tasks) == 1 else f"{task.name}:{province_id}"
            task_id = ids[key] = uuid()
            transaction.on_commit(
                lambda task=task, pk=province_id, task_id=task_id: outbox.send(
                    task, pk, day.isoformat(), task_id=task_id, queue=queue
                )
            )
    return {"on": day.isoformat(), "tasks": ids}


def _ids_in_batches(queryset, size: int = BATCH):
    """Primary keys of `queryset` in ascending batches (keyset, never all in memory)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _unit(cycle: str, period: str, organization_id: int, work) -> dict | None:
    """Run `work()` once for (cycle, period, organisation); None when already done.

    The CycleRun row is locked for the unit's transaction, so two workers on
    the same unit wait for each other and the second one skips it.
    """
    CycleRun.objects.get_or_create(cycle=cycle, period=period, organization_id=organization_id)
    with transaction.atomic():
        run = CycleRun.objects.select_for_update().get(
            cycle=cycle, period=period, organization_id=organization_id
        )
        if run.finished_at is not None:
            return None
        outcome = work()
        run.outcome = outcome
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "finished_at"])
        return outcome


def _raise_reminders(reminders: list[Reminder]) -> int:
    """Insert the reminders whose key is new; returns how many were new."""
    if not reminders:
        return 0
    keys = {r.key for r in reminders}
    existing = Reminder.objects.filter(key__in=keys).count()
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
    return Reminder.objects.filter(key__in=keys).count() - existing


# --- the cycles -----------------------------------------------------------------------


def democratic_review(province: Organization, on: date) -> dict | None:
    """Open this year's democratic reviews (document 1, 二（二）3: every year).

    Daily, for the organisations still without one this year, so a branch
    set up in the course of the year gets its review too.
    """
    year = on.year

    def work():
        interval = policy_in_force(province, "democratic_review_interval_years", on)
        reviews = Campaign.objects.filter(
            organization=OuterRef("pk"), kind=CampaignKind.DEMOCRATIC_REVIEW
        )
        orgs = Organization.objects.filter(
            ~Exists(reviews.filter(year=year)),
            province_id=province.pk,
            kind__in=services.GRASSROOTS_KINDS,
            dissolved__isnull=True,
        )
        if interval > 1:  # every N years: skip who held one in the last N-1 years
            orgs = orgs.filter(~Exists(reviews.filter(year__gt=year - interval, year__lt=year)))
        opened = organisations = 0
        for ids in _ids_in_batches(orgs):
            organisations += len(ids)
            opened += services.campaigns_open(
                kind=CampaignKind.DEMOCRATIC_REVIEW, year=year, branch_ids=ids
            )
        return {"organisations": organisations, "opened": opened}

    return _unit("democratic_review", on.isoformat(), province.pk, work)


def party_spirit(province: Organization, on: date) -> list[dict]:
    """Open the party-spirit analyses scheduled for this year (every 5 years)."""
    year = on.year
    outcomes = []
    schedules = PartySpiritSchedule.objects.filter(
        year=year, committee__province_id=province.pk
    ).select_related("committee")
    for schedule in schedules.order_by("pk"):

        def work(schedule=schedule):
            orgs = Organization.objects.filter(
                path__descendant_of=schedule.committee.path,
                kind__in=services.GRASSROOTS_KINDS,
                dissolved__isnull=True,
            )
            opened = organisations = 0
            for ids in _ids_in_batches(orgs):
                organisations += len(ids)
                opened += services.campaigns_open(
                    kind=CampaignKind.PARTY_SPIRIT, year=year, branch_ids=ids, schedule=schedule
                )
            return {"schedule": schedule.pk, "organisations": organisations, "opened": opened}

        outcome = _unit("party_spirit", str(year), schedule.committee_id, work)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def year_close_date(province: Organization, year: int) -> date:
    """The first day on which `year` is closed for the province."""
    first = date(year + 1, 1, 1)
    grace = policy_in_force(province, "education_year_close_grace_days", first)
    return first + timedelta(days=grace)


def education_year_close(province: Organization, on: date) -> dict | None:
    """Close last year's open campaigns, then the education year, after the grace days."""
    year = on.year - 1
    if on < year_close_date(province, year):
        return None

    def work():
        campaigns = Campaign.objects.filter(
            organization__province_id=province.pk, year=year, status=CampaignStatus.OPEN
        )
        closed = incomplete = 0
        for ids in _ids_in_batches(campaigns):
            reminders = []
            for campaign in Campaign.objects.filter(pk__in=ids).select_related("organization"):
                campaign = services.campaign_close(actor=None, campaign=campaign)
                closed += 1
                if not campaign.complete:
                    incomplete += 1
                    reminders.append(
                        Reminder(
                            organization_id=campaign.organization_id,
                            kind=ReminderKind.CAMPAIGN_INCOMPLETE,
                            due_on=on,
                            key=f"campaign_incomplete:{campaign.pk}",
                            detail=_("%(campaign)s was closed incomplete.")
                            % {"campaign": campaign},
                        )
                    )
            _raise_reminders(reminders)
        closure = services.year_close(actor=None, province=province, year=year)
        return {
            "year": year,
            "campaigns_closed": closed,
            "incomplete": incomplete,
            "members": closure.members,
            "short": closure.short,
        }

    return _unit("education_year_close", str(year), province.pk, work)


def party_school(province: Organization, on: date) -> dict | None:
    """Reminders for party workers whose rotation falls due within the
    reminder days or is overdue (document 1, 三（一）)."""

    def work():
        workers = PartyWorker.objects.filter(organization__province_id=province.pk)
        due = overdue = raised = 0
        for ids in _ids_in_batches(selectors.current_workers(workers, on), WORKER_BATCH):
            statuses = selectors.rotation_status(
                PartyWorker.objects.filter(pk__in=ids), on, attention_within=province
            )
            reminders = []
            superseded = []
            for s in statuses:
                worker = s.worker
                if s.state == selectors.RotationState.OVERDUE:
                    overdue += 1
                    kind = ReminderKind.PARTY_SCHOOL_OVERDUE
                    detail = _("%(name)s (%(post)s) was due for party-school training on %(day)s.")
                    superseded.append(f"party_school_due:{worker.member_id}:{s.due_on}")
                else:
                    due += 1
                    kind = ReminderKind.PARTY_SCHOOL_DUE
                    detail = _("%(name)s (%(post)s) is due for party-school training by %(day)s.")
                reminders.append(
                    Reminder(
                        organization_id=worker.organization_id,
                        member_id=worker.member_id,
                        kind=kind,
                        due_on=s.due_on,
                        key=f"{kind}:{worker.member_id}:{s.due_on}",
                        detail=detail
                        % {
                            "name": worker.member.name,
                            "post": worker.get_post_display(),
                            "day": s.due_on,
                        },
                    )
                )
            raised += _raise_reminders(reminders)
            # Once overdue, the "falls due" reminder of the same date is done with.
            Reminder.objects.filter(key__in=superseded, resolved_at__isnull=True).update(
                resolved_at=timezone.now()
            )
        return {"due_soon": due, "overdue": overdue, "reminders": raised}

    return _unit("party_school", on.isoformat(), province.pk, work)


def leader_lecture(province: Organization, on: date) -> dict | None:
    """From 1 October: a reminder per leader without the year's party lecture."""
    year = on.year
    if on < date(year, *LEADER_LECTURE_FROM):
        return None

    def work():
        leaders = Member.objects.filter(province_id=province.pk, left_on__isnull=True).exclude(
            leadership_level=""
        )
        missing = raised = 0
        for ids in _ids_in_batches(leaders):
            rows = selectors.leaders_without_lecture(
                province, year, members=Member.objects.filter(pk__in=ids)
            )
            missing += len(rows)
            raised += _raise_reminders(
                [
                    Reminder(
                        organization_id=row.member.branch_id,
                        member_id=row.member.pk,
                        kind=ReminderKind.LEADER_LECTURE,
                        due_on=date(year, 12, 31),
                        key=f"leader_lecture:{row.member.pk}:{year}",
                        detail=_(
                            "%(name)s has given %(given)s of the %(required)s party lectures "
                            "or situation reports due in %(year)s."
                        )
                        % {
                            "name": row.member.name,
                            "given": row.given,
                            "required": row.required,
                            "year": year,
                        },
                    )
                    for row in rows
                ]
            )
        return {"leaders_without_lecture": missing, "reminders": raised}

    return _unit("leader_lecture", str(year), province.pk, work)


CYCLES = (democratic_review, party_spirit, education_year_close, party_school, leader_lecture)


class CyclesFailed(Exception):
    """Some cycles of a province raised (the others ran)."""


def run_province(province_id: int, on: date) -> dict:
    """Every cycle due on `on` for one province; what each did (None: skipped).

    A cycle that raises is logged and reported as {"failed": "..."}; the other
    cycles still run, and its unfinished unit is retried on the next run.
    """
    province = Organization.objects.get(pk=province_id)
    summary = {}
    for cycle in CYCLES:
        name = cycle.__name__
        try:
            summary[name] = cycle(province, on)
        except Exception as error:
            log.exception("education cycle %s for %s on %s failed", name, province_id, on)
            summary[name] = {"failed": f"{type(error).__name__}: {error}"}
        else:
            log.info("education cycle %s for %s on %s: %s", name, province_id, on, summary[name])
    return summary


def failures(summary: dict) -> list[str]:
    """Names of the cycles of a `run_province` summary that raised."""
    return [
        name
        for name, outcome in summary.items()
        if isinstance(outcome, dict) and "failed" in outcome
    ]
