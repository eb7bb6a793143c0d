"""Members' reports, lost contact and the inflow side's opinion (document 3).

- A mobile member reports to the outflow organisation at least once a year
  (thoughts, work, organisational life) and whenever the destination,
  address, employer or contact changes (二（三）3); every report is contact.
- A member away owes the yearly report of a year when away since 30 June
  of it at the latest (`owes_yearly_report_q`; the year-end report counts
  the same way).
- No report and no certificate entry for `mobile_lost_contact_days` flags
  the episode as lost contact (三（一）); contact clears the flag.
- The inflow organisation gives its opinion on a probationary member's
  conversion; the outflow branch decides (二（一）5, 二（二）5).
"""

from __future__ import annotations

from datetime import date, timedelta

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import scoping
from branches.models import Organization, User
from branches.policies import policies_for_organizations
from members.models import MemberStatus

from .models import Episode, EpisodeStatus, InflowOpinion, MemberReport, ReportKind

BATCH = 1000
LOST_CONTACT_CYCLE = "mobile_lost_contact"
# document 3, 三（一）
LOST_CONTACT_REASON = gettext_lazy(
    "Out of contact with the party organisations of the inflow and outflow places "
    "for a long time without good reason"
)


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def _touch(episode: Episode, on: date) -> None:
    """Record contact on `on`; helper-m1's touch_contact when it exists."""
    try:
        from .services import touch_contact
    except ImportError:
        touch_contact = None
    if touch_contact is not None:
        touch_contact(episode, on)
        return
    fields = []
    if episode.last_contact_on is None or on > episode.last_contact_on:
        episode.last_contact_on = on
        fields.append("last_contact_on")
    if episode.lost_contact_since is not None:
        episode.lost_contact_since = None
        fields.append("lost_contact_since")
    if fields:
        episode.save(update_fields=fields)


# --- services ---------------------------------------------------------------------------


@transaction.atomic
def member_report_submit(
    *,
    actor: User,
    episode: Episode,
    kind: str,
    on: date,
    thoughts: str = "",
    work: str = "",
    org_life: str = "",
    new_region: str = "",
    new_address: str = "",
    new_employer: str = "",
    new_contact: str = "",
) -> MemberReport:
    """The member's yearly report or report of a change (document 3, 二（三）3).

    By the member themself or entered by the outflow branch.
    """
    with _audit(actor, "mobility.report"):
        episode = (
            Episode.objects.select_for_update(of=("self",))
            .select_related("member", "outflow_branch")
            .get(pk=episode.pk)
        )
        if episode.member.user_id is None or episode.member.user_id != actor.pk:
            scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
        if episode.status != EpisodeStatus.AWAY:
            raise ValidationError(
                {"episode": _("%(name)s is no longer away.") % {"name": episode.member}}
            )
        if on > timezone.localdate():
            raise ValidationError({"on": _("The date of the report cannot be in the future.")})
        if on < episode.started_on:
            raise ValidationError(
                {"on": _("The date of the report cannot be before the member left.")}
            )
        thoughts, work, org_life = thoughts.strip(), work.strip(), org_life.strip()
        new_region, new_address = new_region.strip(), new_address.strip()
        new_employer, new_contact = new_employer.strip(), new_contact.strip()
        if kind == ReportKind.YEARLY:
            for field, value, label in (
                ("thoughts", thoughts, _("thoughts")),
                ("work", work, _("work")),
                ("org_life", org_life, _("organisational life")),
            ):
                if not value:
                    raise ValidationError(
                        {field: _("The yearly report needs “%(field)s”.") % {"field": label}}
                    )
            new_region = new_address = new_employer = new_contact = ""
        elif kind == ReportKind.CHANGE:
            if not (new_region or new_address or new_employer or new_contact):
                message = _(
                    "Give the new destination, the new address, the new employer "
                    "or the new contact."
                )
                raise ValidationError({"new_region": message, "new_address": message})
            thoughts = work = org_life = ""
        else:
            raise ValidationError({"kind": _("Choose the kind of report.")})
        report = MemberReport(
            episode=episode,
            kind=kind,
            year=on.year,
            on=on,
            thoughts=thoughts,
            work=work,
            org_life=org_life,
            new_region=new_region,
            new_address=new_address,
            new_employer=new_employer,
            new_contact=new_contact,
            submitted_by=actor,
        )
        report.full_clean()
        report.save()
        if kind == ReportKind.CHANGE:
            fields = []
            for attr, value in (
                ("destination_region", new_region),
                ("destination_address", new_address),
                ("destination_employer", new_employer),
                ("contact", new_contact),
            ):
                if value:
                    setattr(episode, attr, value)
                    fields.append(attr)
            episode.save(update_fields=fields)
        _touch(episode, on)
        return report


@transaction.atomic
def inflow_opinion_give(
    *, actor: User, episode: Episode, opinion: str, recommends_conversion: bool, given_on: date
) -> InflowOpinion:
    """The inflow organisation's opinion on a probationary member's conversion."""
    with _audit(actor, "mobility.inflow_opinion"):
        episode = (
            Episode.objects.select_for_update(of=("self",))
            .select_related("member", "inflow_organization")
            .get(pk=episode.pk)
        )
        if episode.inflow_organization is None:
            raise ValidationError(
                {
                    "episode": _("%(name)s has not checked in at an inflow organisation.")
                    % {"name": episode.member}
                }
            )
        inflow = episode.inflow_organization
        if (
            not scoping.can(actor, scoping.CHANGE, inflow)
            and Episode.objects.visible_to(actor).filter(pk=episode.pk).exists()
        ):
            # The episode is visible (e.g. to the outflow branch) but the
            # opinion is the inflow side's: 403, as the page.
            raise PermissionDenied(
                _("Only the inflow organisation gives its opinion on %(name)s.")
                % {"name": episode.member}
            )
        scoping.require(actor, scoping.CHANGE, inflow)
        if episode.status != EpisodeStatus.AWAY:
            raise ValidationError(
                {"episode": _("%(name)s is no longer away.") % {"name": episode.member}}
            )
        if episode.member.status != MemberStatus.PROBATIONARY:
            raise ValidationError(
                {
                    "episode": _(
                        "%(name)s is not a probationary member: no opinion on conversion is needed."
                    )
                    % {"name": episode.member}
                }
            )
        opinion = opinion.strip()
        if not opinion:
            raise ValidationError({"opinion": _("Write the opinion.")})
        if given_on > timezone.localdate():
            raise ValidationError({"given_on": _("The date cannot be in the future.")})
        return InflowOpinion.objects.create(
            episode=episode,
            organization=episode.inflow_organization,
            opinion=opinion,
            recommends_conversion=recommends_conversion,
            given_on=given_on,
            given_by=actor,
        )


# --- lost contact -----------------------------------------------------------------------


def detect_lost_contact(province_id: int, on: date) -> dict:
    """Flag the episodes away without contact for longer than the policy.

    Idempotent: flagged episodes are left alone (contact clears the flag), so
    a second run on the same day changes nothing. `lost_contact_since` is the
    last contact. Works in batches of ids.
    """
    away = Episode.objects.filter(
        province_id=province_id, status=EpisodeStatus.AWAY, lost_contact_since__isnull=True
    )
    branch_ids = list(away.order_by().values_list("outflow_branch_id", flat=True).distinct())
    branches = Organization.objects.filter(pk__in=branch_ids).only("pk", "path")
    figures = policies_for_organizations(branches, on)
    by_days: dict[int, list[int]] = {}
    for branch_id, values in figures.items():
        by_days.setdefault(values["mobile_lost_contact_days"], []).append(branch_id)
    marked = 0
    with pghistory.context(action="mobility.lost_contact"):
        for days, branches_ids in by_days.items():
            cutoff = on - timedelta(days=days)
            due = away.filter(outflow_branch_id__in=branches_ids, last_contact_on__lt=cutoff)
            last = 0
            while True:
                ids = list(
                    due.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
                )
                if not ids:
                    break
                # Re-check both conditions: a contact committed since the
                # ids were read must not be flagged.
                marked += Episode.objects.filter(
                    pk__in=ids, lost_contact_since__isnull=True, last_contact_on__lt=cutoff
                ).update(lost_contact_since=F("last_contact_on"))
                last = ids[-1]
    return {"marked": marked}


def lost_contact_cycle(province_id: int, on: date) -> dict | None:
    """The monthly run for one province, once per (cycle, month, province)."""
    from education.cycles import _unit

    return _unit(
        LOST_CONTACT_CYCLE,
        on.strftime("%Y-%m"),
        province_id,
        lambda: detect_lost_contact(province_id, on),
    )


# --- selectors --------------------------------------------------------------------------


def episodes_away(user, organization: Organization):
    """Episodes away from the branches of `organization`'s subtree, seen by `user`."""
    return (
        Episode.objects.visible_to(user)
        .filter(
            status=EpisodeStatus.AWAY,
            outflow_branch__path__descendant_of=organization.path,
        )
        .select_related("member", "outflow_branch", "inflow_organization")
        .order_by("member__name", "pk")
    )


def owes_yearly_report_q(year: int) -> Q:
    """Away since 30 June of `year` at the latest: owes that year's report.

    One who left in the last months of the year owes none yet; the
    year-end report (year_report.compute_figures) counts the same way."""
    return Q(started_on__lte=date(year, 6, 30))


def with_yearly_reports(queryset, year: int):
    return queryset.annotate(
        yearly_reports=Count(
            "reports", filter=Q(reports__kind=ReportKind.YEARLY, reports__year=year)
        )
    )


def with_reports_needed(queryset, on: date | None = None):
    """Annotate `reports_needed`: `mobile_reports_per_year` in force for each
    episode's outflow branch (local overrides included; one policy query)."""
    branch_ids = set(queryset.order_by().values_list("outflow_branch_id", flat=True).distinct())
    branches = Organization.objects.filter(pk__in=branch_ids).only("pk", "path")
    by_value: dict[int, list[int]] = {}
    for branch_id, values in policies_for_organizations(branches, on).items():
        by_value.setdefault(int(values["mobile_reports_per_year"]), []).append(branch_id)
    whens = [When(outflow_branch_id__in=ids, then=Value(value)) for value, ids in by_value.items()]
    needed = Case(*whens, default=Value(1), output_field=IntegerField()) if whens else Value(1)
    return queryset.annotate(reports_needed=needed)


def missing_yearly_report(user, organization: Organization, year: int, on: date | None = None):
    """Episodes away of the subtree that owe the year's report and have fewer
    yearly reports than the policy of their branch asks."""
    on = on or min(timezone.localdate(), date(year, 12, 31))
    episodes = with_yearly_reports(episodes_away(user, organization), year)
    return (
        with_reports_needed(episodes, on)
        .filter(owes_yearly_report_q(year))
        .filter(yearly_reports__lt=F("reports_needed"))
    )


def lost_contact(user, organization: Organization):
    return episodes_away(user, organization).filter(lost_contact_since__isnull=False)


def reports_for(user):
    return MemberReport.objects.visible_to(user).select_related(
        "episode__member", "episode__outflow_branch"
    )


def opinions_for_member(user, member):
    return (
        InflowOpinion.objects.visible_to(user)
        .filter(episode__member=member)
        .select_related("organization", "given_by")
    )
