"""Pages of the review campaigns (document 1, 二（二）3): a branch's campaigns,
one campaign (steps, opinions, the one-screen evaluation table, closing) and
an organisation's overview with the party-spirit schedules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from members import services as member_services
from members.forms import HandlingForm
from members.models import HandlingStage, Member

from . import selectors, services
from .forms import CampaignStepForm, CampaignUpdateForm, PartySpiritScheduleForm
from .models import (
    STEPS,
    Activity,
    ActivityKind,
    Campaign,
    CampaignKind,
    CampaignStatus,
    PartySpiritSchedule,
    Rating,
)


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


def _campaign(request, pk) -> Campaign:
    return get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("organization", "meeting"),
        pk=pk,
    )


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _service_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def campaign_branch(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    campaigns = selectors.campaigns_with_progress(
        Campaign.objects.visible_to(request.user).filter(organization=branch)
    ).order_by("-year", "kind")
    this_year = timezone.localdate().year
    can_change = scoping.can(request.user, scoping.CHANGE, branch)
    rows = [(c, len(STEPS[CampaignKind(c.kind)])) for c in campaigns]
    return render(
        request,
        "education/campaigns/branch_list.html",
        {
            "branch": branch,
            "rows": rows,
            "members": Member.objects.visible_to(request.user)
            .filter(branch=branch, left_on__isnull=True)
            .count(),
            "can_start": can_change
            and branch.kind in services.GRASSROOTS_KINDS
            and not any(
                c.kind == CampaignKind.DEMOCRATIC_REVIEW and c.year == this_year for c, _n in rows
            ),
            "this_year": this_year,
        },
    )


@login_required
@require_POST
def campaign_start(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    try:
        campaign = services.campaign_start(
            actor=request.user, organization=branch, year=timezone.localdate().year
        )
    except ValidationError as error:
        _service_errors(request, error)
        return redirect("education:campaign_branch", branch_pk=branch.pk)
    messages.success(request, _("This year's democratic review was opened."))
    return redirect("education:campaign_detail", pk=campaign.pk)


def _evaluation_rows(campaign, members, evaluations, posted=None):
    rows = []
    for member in members:
        e = evaluations.get(member.pk)
        if posted is not None:
            values = {
                "rating": posted.get(f"rating-{member.pk}", ""),
                "self_analysis_done": bool(posted.get(f"self-{member.pk}")),
                "opinion": posted.get(f"opinion-{member.pk}", ""),
                "rectification": posted.get(f"rectification-{member.pk}", ""),
                "leader_analysis": posted.get(f"leader-{member.pk}", ""),
            }
        else:
            values = {
                "rating": e.rating if e else "",
                "self_analysis_done": e.self_analysis_done if e else False,
                "opinion": e.opinion if e else "",
                "rectification": e.rectification if e else "",
                "leader_analysis": e.leader_analysis if e else "",
            }
        rows.append({"member": member, "leader": bool(member.leadership_level), **values})
    return rows


def _entries(rows) -> dict[int, dict]:
    """Only the rows with something entered; a blank row leaves the member alone."""
    entries = {}
    for row in rows:
        entry = {k: row[k] for k in services.EVALUATION_FIELDS}
        if not row["leader"]:
            entry.pop("leader_analysis")
        if any(entry.values()):
            entries[row["member"].pk] = entry
    return entries


@login_required
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    branch = campaign.organization
    is_open = campaign.status == CampaignStatus.OPEN
    can_change = is_open and scoping.can(request.user, scoping.CHANGE, branch)
    members = list(
        Member.objects.visible_to(request.user)
        .filter(branch=branch, left_on__isnull=True)
        .order_by("name")
    )
    evaluations = {e.member_id: e for e in campaign.evaluations.all()}
    errors = []
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, branch)
        rows = _evaluation_rows(campaign, members, evaluations, posted=request.POST)
        try:
            services.evaluations_save(actor=request.user, campaign=campaign, entries=_entries(rows))
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The evaluations were saved."))
            return redirect("education:campaign_detail", pk=campaign.pk)
    else:
        rows = _evaluation_rows(campaign, members, evaluations)

    kind = CampaignKind(campaign.kind)
    recorded = {r.step: r for r in campaign.steps.select_related("done_by")}
    steps = [(step, recorded.get(step)) for step in STEPS[kind]]
    unqualified = [
        m for m in members if getattr(evaluations.get(m.pk), "rating", "") == Rating.UNQUALIFIED
    ]
    unhandled = selectors.campaign_unhandled(campaign, [m.pk for m in unqualified])
    reason = (
        _("Unqualified in the democratic review (%(year)s)")
        if kind == CampaignKind.DEMOCRATIC_REVIEW
        else _("Unqualified in the party-spirit analysis (%(year)s)")
    ) % {"year": campaign.year}
    context = {
        "campaign": campaign,
        "branch": branch,
        "can_change": can_change,
        "is_democratic_review": kind == CampaignKind.DEMOCRATIC_REVIEW,
        "steps": steps,
        "steps_done": len(recorded),
        "rows": rows,
        "evaluated": sum(
            1 for m in members if selectors.campaign_is_evaluated(campaign, evaluations.get(m.pk))
        ),
        "ratings": Rating.choices,
        "errors": errors,
        "unqualified": [(m, m.pk not in unhandled) for m in unqualified],
    }
    if can_change:
        meetings = Activity.objects.visible_to(request.user).filter(
            organization=branch, kind=ActivityKind.ORG_LIFE, starts_at__year=campaign.year
        )
        context.update(
            missing=selectors.campaign_missing(campaign),
            step_form=CampaignStepForm(
                steps=[s for s, r in steps if r is None] or STEPS[kind],
                initial={"done_on": timezone.localdate()},
            ),
            update_form=CampaignUpdateForm(
                meetings=meetings,
                initial={
                    "mass_opinions": campaign.mass_opinions,
                    "meeting": campaign.meeting_id,
                    "comprehensive_opinion": campaign.comprehensive_opinion,
                },
            ),
            handling_form=HandlingForm(
                initial={"stage": HandlingStage.CRITICISM, "reason": reason}
            ),
        )
    return render(request, "education/campaigns/detail.html", context)


@login_required
@require_POST
def campaign_step(request, pk):
    campaign = _campaign(request, pk)
    form = CampaignStepForm(request.POST, steps=STEPS[CampaignKind(campaign.kind)])
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.campaign_step_record(
                actor=request.user, campaign=campaign, **form.cleaned_data
            )
        except ValidationError as error:
            _service_errors(request, error)
        else:
            messages.success(request, _("The step was recorded."))
    return redirect("education:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_update(request, pk):
    campaign = _campaign(request, pk)
    meetings = Activity.objects.visible_to(request.user).filter(
        organization=campaign.organization, kind=ActivityKind.ORG_LIFE
    )
    form = CampaignUpdateForm(request.POST, meetings=meetings)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.campaign_update(actor=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(request, error)
        else:
            messages.success(request, _("The campaign record was saved."))
    return redirect("education:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_close(request, pk):
    campaign = _campaign(request, pk)
    try:
        services.campaign_close(actor=request.user, campaign=campaign)
    except ValidationError as error:
        _service_errors(request, error)
    else:
        messages.success(request, _("The campaign was closed."))
    return redirect("education:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_handling(request, pk):
    """Organisational handling of a member rated unqualified, through the
    members app's form and service; back to the campaign afterwards."""
    campaign = _campaign(request, pk)
    try:
        member_pk = int(request.POST.get("member", ""))
    except ValueError:
        member_pk = 0
    member = get_object_or_404(
        Member.objects.visible_to(request.user).filter(
            evaluations__campaign=campaign, evaluations__rating=Rating.UNQUALIFIED
        ),
        pk=member_pk,
    )
    form = HandlingForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            member_services.handling_record(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(request, error)
        else:
            messages.success(
                request, _("The handling of %(name)s was recorded.") % {"name": member.name}
            )
    return redirect("education:campaign_detail", pk=campaign.pk)


@login_required
def campaign_org(request, org_pk):
    """Per child organisation: the campaigns of a year, open, closed and complete."""
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    year = _year(request)
    rollup = selectors.campaign_rollup(request.user, org, year)
    children = Organization.objects.visible_to(request.user).filter(parent=org).order_by("name")
    kinds = list(CampaignKind)
    rows = [(org, [rollup.get(None, {}).get(k) for k in kinds])] if None in rollup else []
    rows += [(c, [rollup.get(c.pk, {}).get(k) for k in kinds]) for c in children]
    totals = []
    for k in kinds:
        counts = [by_kind[k] for by_kind in rollup.values() if k in by_kind]
        totals.append(
            selectors.CampaignCounts(
                sum(c.open for c in counts),
                sum(c.closed for c in counts),
                sum(c.complete for c in counts),
            )
        )
    # Schedules kept in the subtree, and those of higher committees that
    # opened campaigns the user sees here; counts are of this subtree only.
    in_subtree = Q(campaigns__organization__path__descendant_of=org.path)
    schedules = (
        PartySpiritSchedule.objects.filter(
            Q(
                pk__in=PartySpiritSchedule.objects.visible_to(request.user)
                .filter(committee__path__descendant_of=org.path)
                .values("pk")
            )
            | Q(
                pk__in=Campaign.objects.visible_to(request.user)
                .filter(organization__path__descendant_of=org.path, schedule__isnull=False)
                .values("schedule_id")
            )
        )
        .select_related("committee")
        .annotate(
            campaign_count=Count("campaigns", filter=in_subtree),
            complete_count=Count("campaigns", filter=in_subtree & Q(campaigns__complete=True)),
        )
        .order_by("-year", "committee__name")
    )
    can_schedule = (
        org.kind == "local_committee"
        and org.level in services.SCHEDULING_LEVELS
        and scoping.can(request.user, scoping.CHANGE, org)
    )
    return render(
        request,
        "education/campaigns/org.html",
        {
            "org": org,
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 6, -1),
            "kinds": kinds,
            "rows": rows,
            "totals": totals,
            "schedules": schedules,
            "can_schedule": can_schedule,
            "schedule_form": PartySpiritScheduleForm(initial={"year": timezone.localdate().year})
            if can_schedule
            else None,
        },
    )


@login_required
@require_POST
def campaign_schedule(request, org_pk):
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    form = PartySpiritScheduleForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            schedule = services.party_spirit_schedule(
                actor=request.user, committee=org, **form.cleaned_data
            )
        except ValidationError as error:
            _service_errors(request, error)
        else:
            messages.success(
                request,
                _("The party-spirit analysis of %(year)s was arranged.") % {"year": schedule.year},
            )
    return redirect("education:campaign_org", org_pk=org.pk)
