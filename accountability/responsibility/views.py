"""Pages of responsibilities, leading groups, commendations, accountability
records and contact points (document 4). Thin: reads through selectors,
writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches import scoping
from branches.models import Organization
from config.forms import add_service_errors

from . import selectors, services
from .forms import (
    AssignmentForm,
    CommendationFilter,
    DecideForm,
    EndForm,
    GroupForm,
    MeetingForm,
    NominateForm,
    RecordForm,
    SeatForm,
)
from .models import Commendation, LeadingGroup, LeadingGroupMember, ResponsibilityAssignment

PAGE_SIZE = 50


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _form_errors(request, form) -> None:
    messages.error(
        request,
        " ".join(
            f"{form.fields[n].label if n in form.fields else ''}: {e}"
            for n, errs in form.errors.items()
            for e in errs
        ),
    )


def _can_change(request, org) -> bool:
    return scoping.can(request.user, scoping.CHANGE, org)


# 一 — responsibility assignments


@login_required
def assignments(request, org_pk):
    """Who answers for party building in the committee: current and past."""
    org = _org(request, org_pk)
    committee = selectors.is_committee(org)
    form = None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    if committee and _can_change(request, org):
        candidates = selectors.candidates(request.user, org)
        form = AssignmentForm(
            request.POST or None,
            candidates=candidates,
            initial={"valid_from": timezone.localdate()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.assignment_start(actor=request.user, organization=org, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("responsibility:assignments", org_pk=org.pk)
    rows = list(selectors.assignments_of(request.user, org))
    return render(
        request,
        "accountability/responsibility/assignments.html",
        {
            "org": org,
            "committee": committee,
            "current": [r for r in rows if r.valid_to is None],
            "history": [r for r in rows if r.valid_to is not None],
            "form": form,
            "end_form": EndForm(),
            "can_change": form is not None,
        },
    )


@login_required
@require_POST
def assignment_end(request, pk):
    assignment = get_object_or_404(
        ResponsibilityAssignment.objects.visible_to(request.user).select_related("organization"),
        pk=pk,
    )
    scoping.require(request.user, scoping.CHANGE, assignment.organization)
    form = EndForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.assignment_end(
                actor=request.user, assignment=assignment, valid_to=form.cleaned_data["on"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect("responsibility:assignments", org_pk=assignment.organization_id)


# 二 — leading group


@login_required
def group(request, org_pk):
    """The committee's party-building leading group: members and meetings."""
    org = _org(request, org_pk)
    committee = selectors.is_committee(org)
    can_change = committee and _can_change(request, org)
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    the_group = selectors.group_of(request.user, org)
    context = {"org": org, "committee": committee, "group": the_group, "can_change": can_change}
    if the_group is None:
        form = None
        if can_change:
            form = GroupForm(request.POST or None, initial={"set_up_on": timezone.localdate()})
            if request.method == "POST" and form.is_valid():
                try:
                    services.group_set_up(actor=request.user, organization=org, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("responsibility:group", org_pk=org.pk)
        context["group_form"] = form
    else:
        seats = list(selectors.seats_of(the_group))
        context.update(
            seats=[s for s in seats if s.until is None],
            past_seats=[s for s in seats if s.until is not None],
            meetings=Paginator(selectors.meetings_of(the_group), PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
        )
        if can_change:
            today = timezone.localdate()
            context.update(
                seat_form=SeatForm(
                    candidates=selectors.candidates(request.user, org), initial={"since": today}
                ),
                meeting_form=MeetingForm(
                    seats=selectors.seats_of(the_group).filter(until__isnull=True),
                    initial={"held_on": today},
                ),
                end_form=EndForm(),
            )
    return render(request, "accountability/responsibility/group.html", context)


def _group(request, pk) -> LeadingGroup:
    group = get_object_or_404(
        LeadingGroup.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    scoping.require(request.user, scoping.CHANGE, group.organization)
    return group


@login_required
@require_POST
def group_seat_add(request, pk):
    the_group = _group(request, pk)
    form = SeatForm(
        request.POST,
        candidates=selectors.candidates(request.user, the_group.organization),
    )
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.group_member_add(actor=request.user, group=the_group, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect("responsibility:group", org_pk=the_group.organization_id)


@login_required
@require_POST
def group_seat_end(request, pk):
    seat = get_object_or_404(
        LeadingGroupMember.objects.visible_to(request.user).select_related("group__organization"),
        pk=pk,
    )
    scoping.require(request.user, scoping.CHANGE, seat.group.organization)
    form = EndForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.group_member_remove(
                actor=request.user, seat=seat, until=form.cleaned_data["on"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect("responsibility:group", org_pk=seat.group.organization_id)


@login_required
@require_POST
def group_meeting_add(request, pk):
    the_group = _group(request, pk)
    form = MeetingForm(request.POST, seats=selectors.seats_of(the_group))
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.meeting_record(actor=request.user, group=the_group, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect("responsibility:group", org_pk=the_group.organization_id)


# 三 — commendations


@login_required
def commendations(request, org_pk):
    """Nominations decided by the organisation or below it, for a year; the
    form to nominate from this organisation."""
    org = _org(request, org_pk)
    filters = CommendationFilter(request.GET or None)
    year = filters.year_or_now()
    f = filters.cleaned_data if filters.is_valid() else {}
    form = None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    if _can_change(request, org):
        form = NominateForm(
            request.POST or None,
            awarders=selectors.awarders_for(org),
            orgs=selectors.nominee_orgs(request.user, org),
            candidates=selectors.candidates(request.user, org),
            initial={"year": timezone.localdate().year},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.commendation_nominate(
                    actor=request.user, nominated_by=org, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("responsibility:commendations", org_pk=org.pk)
    queryset = selectors.commendations_for(
        request.user, org, year, kind=f.get("kind", ""), status=f.get("status", "")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accountability/responsibility/commendations.html",
        {
            "org": org,
            "year": year,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "form": form,
            "decide_form": DecideForm(),
            "can_decide": _can_change(request, org),
        },
    )


@login_required
@require_POST
def commendation_decide(request, pk, step):
    commendation = get_object_or_404(
        Commendation.objects.visible_to(request.user).select_related("awarded_by", "nominee_unit"),
        pk=pk,
    )
    if step not in ("award", "decline"):
        raise Http404
    services.require_awarder(request.user, commendation)
    form = DecideForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        service = services.commendation_award if step == "award" else services.commendation_decline
        try:
            service(actor=request.user, commendation=commendation, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    url = reverse("responsibility:commendations", args=[commendation.awarded_by_id])
    return redirect(f"{url}?year={commendation.year}")


# 五 — accountability records


@login_required
def records(request, org_pk):
    """Accountability records about the organisation's subtree; the form to decide one."""
    org = _org(request, org_pk)
    form = None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    if _can_change(request, org):
        targets = selectors.below(request.user, org)
        form = RecordForm(
            request.POST or None,
            targets=targets,
            candidates=selectors.candidates(request.user, org),
            initial={"decided_on": timezone.localdate()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_create(actor=request.user, decided_by=org, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("responsibility:records", org_pk=org.pk)
    page = Paginator(selectors.records_about(request.user, org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accountability/responsibility/records.html",
        {"org": org, "page": page, "form": form},
    )


# Contact points (kept by outreach)


@login_required
@require_GET
def contact_points(request, org_pk):
    """Leaders' contact points in the subtree, weak units first, with this year's days."""
    org = _org(request, org_pk)
    year = timezone.localdate().year
    rows = list(selectors.contact_points_in(request.user, org, year))
    return render(
        request,
        "accountability/responsibility/contact_points.html",
        {
            "org": org,
            "year": year,
            "rows": rows,
            "weak_count": sum(1 for r in rows if r.weak_unit),
            "leader_count": len({r.leader_id for r in rows}),
        },
    )
