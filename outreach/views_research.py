"""Pages of leaders' research at the grassroots and of the member's outreach record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import Organization
from branches.policies import policies_in_force
from config import exports
from config.forms import add_service_errors
from members.models import Member

from . import selectors_research as selectors
from . import services_research as services
from .forms_research import ContactPointForm, EndContactPointForm, VisitForm
from .models import ContactPoint, ResearchVisit
from .record import member_record

YEARS_SHOWN = 5


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - YEARS_SHOWN, -1))


def url_or_none(name: str, *args) -> str | None:
    """The URL of `name`, or None while no page of that name exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _own_member(request) -> Member | None:
    return (
        Member.objects.visible_to(request.user)
        .filter(user=request.user)
        .select_related("branch")
        .first()
    )


def _forms(request, leader: Member):
    """The add-visit and add-contact-point forms; on a valid POST, the service
    call. Returns (visit_form, point_form, done)."""
    points = selectors.contact_points_of(request.user, leader)
    which = request.POST.get("form") if request.method == "POST" else None
    visit_form = VisitForm(
        request.POST if which == "visit" else None,
        contact_points=points,
        initial={"started_on": timezone.localdate(), "days": 1},
    )
    point_form = ContactPointForm(
        request.POST if which == "contact_point" else None,
        initial={"since": timezone.localdate()},
    )
    if which == "visit" and visit_form.is_valid():
        d = visit_form.cleaned_data
        try:
            services.research_visit_create(actor=request.user, leader=leader, **d)
        except ValidationError as error:
            add_service_errors(visit_form, error)
        else:
            messages.success(request, _("The research visit is recorded."))
            return visit_form, point_form, True
    if which == "contact_point" and point_form.is_valid():
        d = point_form.cleaned_data
        unit = services.unit_for_leader(leader, d["organization_code"])
        if unit is None:
            point_form.add_error(
                "organization_code", _("No unit of the leader's province has this code.")
            )
        else:
            try:
                services.contact_point_create(
                    actor=request.user,
                    leader=leader,
                    organization=unit,
                    since=d["since"],
                    until=d["until"],
                    weak_unit=d["weak_unit"],
                    note=d["note"],
                )
            except ValidationError as error:
                add_service_errors(point_form, error)
            else:
                messages.success(request, _("The contact point is recorded."))
                return visit_form, point_form, True
    return visit_form, point_form, False


def _leader_context(request, leader: Member, year: int) -> dict:
    return {
        "leader": leader,
        "year": year,
        "years": _years(),
        "summary": selectors.leader_year(request.user, leader, year),
        "visits": list(selectors.visits_of(request.user, leader, year)),
        "contact_points": list(selectors.contact_points_of(request.user, leader)),
        "end_form": EndContactPointForm(initial={"until": timezone.localdate()}),
    }


# --- The leader's own page ----------------------------------------------------------


@login_required
def my_research(request):
    """ "My research days": the logged-in leader's days this year against the requirement."""
    member = _own_member(request)
    year = _year(request)
    context = {"member": member, "year": year, "years": _years(), "own": True}
    if member is not None and member.leadership_level:
        if request.method == "POST":
            visit_form, point_form, done = _forms(request, member)
            if done:
                return redirect(f"{reverse('outreach:my_research')}?year={year}")
        else:
            visit_form, point_form, _done = _forms(request, member)
        context.update(_leader_context(request, member, year))
        context.update(visit_form=visit_form, point_form=point_form, may_record=True)
    return render(request, "outreach/research/leader.html", context)


# --- The organisation department ----------------------------------------------------


@login_required
def research(request, org_pk):
    """Every leader of the subtree: days done, required, owed; most owed first."""
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    year = _year(request)
    rows = selectors.subtree_leaders(request.user, org, year)
    if exports.wants_xlsx(request):
        return _xlsx(request, org, year, rows)
    return render(
        request,
        "outreach/research/org.html",
        {
            "org": org,
            "year": year,
            "years": _years(),
            "rows": rows,
            "short": sum(1 for r in rows if r.short),
            "figures": policies_in_force(org, selectors.policy_day(year)),
        },
    )


def _xlsx(request, org, year: int, rows):
    """The table as .xlsx (rows are already computed: one per leader)."""
    columns = [
        (_("leader"), "member.name"),
        (_("branch"), "member.branch.name"),
        (_("leadership level"), "member.get_leadership_level_display"),
        (_("days done"), "done"),
        (_("days required"), "required"),
        (_("days owed"), "owed"),
        (_("at contact points"), "at_contact_points"),
        (_("in hardship areas"), "in_hardship"),
        (_("visits"), "visits"),
    ]
    return exports.xlsx_response(
        request,
        rows=rows,
        columns=columns,
        filename=exports.dated_filename(org.name, _("Research days"), year),
        what="outreach.research",
        organization=org,
    )


@login_required
def leader_research(request, member_pk):
    """One leader's visits and contact points; the organisation department records here."""
    leader = get_object_or_404(selectors.visible_leaders(request.user), pk=member_pk)
    year = _year(request)
    may_record = services.may_record(request.user, leader)
    context = {"member": leader, "own": leader.user_id == request.user.pk}
    if may_record:
        visit_form, point_form, done = _forms(request, leader)
        if done:
            return redirect(f"{reverse('outreach:leader_research', args=[leader.pk])}?year={year}")
        context.update(visit_form=visit_form, point_form=point_form)
    elif request.method == "POST":
        raise PermissionDenied(
            _("Only the organisation department or the leader records research.")
        )
    context.update(_leader_context(request, leader, year))
    context.update(year=year, may_record=may_record)
    return render(request, "outreach/research/leader.html", context)


def _back(request, leader: Member) -> str:
    if leader.user_id == request.user.pk:
        return reverse("outreach:my_research")
    return reverse("outreach:leader_research", args=[leader.pk])


@login_required
@require_POST
def visit_delete(request, pk):
    visit = get_object_or_404(
        ResearchVisit.objects.visible_to(request.user).select_related("leader"), pk=pk
    )
    leader = visit.leader
    try:
        services.research_visit_delete(actor=request.user, visit=visit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The research visit is removed."))
    return redirect(_back(request, leader))


@login_required
@require_POST
def contact_point_end(request, pk):
    point = get_object_or_404(
        ContactPoint.objects.visible_to(request.user).select_related("leader"), pk=pk
    )
    form = EndContactPointForm(request.POST)
    if form.is_valid():
        try:
            services.contact_point_end(
                actor=request.user, contact_point=point, until=form.cleaned_data["until"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The contact point has ended."))
    else:
        messages.error(request, _("Give the last day of the contact point."))
    return redirect(_back(request, point.leader))


# --- The member's own record ----------------------------------------------------------


@login_required
def mine(request):
    """ "我的服务群众": the member's own record of this and last year."""
    member = _own_member(request)
    this_year = timezone.localdate().year
    records = []
    if member is not None:
        records = [
            member_record(request.user, member, year, care=False)
            for year in (this_year, this_year - 1)
        ]
    links = {
        "commitments": url_or_none("outreach:my_commitments"),
        "volunteering": url_or_none("outreach:my_volunteering"),
        "research": url_or_none("outreach:my_research")
        if member is not None and member.leadership_level
        else None,
    }
    return render(
        request,
        "outreach/research/mine.html",
        {"member": member, "records": records, "links": links},
    )
