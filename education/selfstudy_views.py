"""Self-study (自主学习) on 我的学时 and the branch's overview; closed years."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from branches.policies import policy_in_force
from config.forms import add_service_errors
from members.models import Member

from . import selectors, services
from .forms import SelfStudyForm, StudyPlanForm, YearCloseForm
from .models import LateCorrection, SelfStudy, StudyPlan


def _year(request, source=None) -> int:
    try:
        return int((source or request.GET).get("year", ""))
    except ValueError:
        return timezone.localdate().year


def _reference_day(year: int) -> date:
    today = timezone.localdate()
    return today if year == today.year else date(year, 12, 31)


def self_study_context(request, member: Member, year: int, plan_form=None, study_form=None):
    """The 自主学习 section of 我的学时 (three queries)."""
    plan = StudyPlan.objects.visible_to(request.user).filter(member=member, year=year).first()
    records = list(
        SelfStudy.objects.visible_to(request.user)
        .filter(member=member, on__year=year)
        .select_related("textbook")
        .order_by("-on", "-pk")
    )
    closed = selectors.year_is_closed(member.branch, year)
    plan_form = plan_form or StudyPlanForm(initial={"content": plan.content if plan else ""})
    if not closed:
        plan_form.fields.pop("reason", None)  # a plan of an open year needs no reason
    return {
        "plan": plan,
        "self_studies": records,
        "plan_form": plan_form,
        "study_form": study_form
        or SelfStudyForm(branch=member.branch, initial={"on": timezone.localdate()}),
        "closed": closed,
    }


def _own_member(request) -> Member:
    member = (
        Member.objects.visible_to(request.user)
        .filter(user=request.user)
        .select_related("branch")
        .first()
    )
    if member is None:
        raise Http404(_("Your login is not linked to a member record."))
    return member


def _back(year: int):
    return redirect(f"{reverse('education:mine')}?year={year}#self-study")


def _render_mine(request, year: int, **forms):
    from .views import my_hours

    request._self_study_forms = forms
    request._self_study_year = year
    return my_hours(request)


@login_required
@require_POST
def plan_save(request):
    member = _own_member(request)
    year = _year(request, request.POST)
    form = StudyPlanForm(request.POST)
    if form.is_valid():
        try:
            services.study_plan_save(
                actor=request.user,
                member=member,
                year=year,
                content=form.cleaned_data["content"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your study plan was saved."))
            return _back(year)
    return _render_mine(request, year, plan_form=form)


@login_required
@require_POST
def self_study_add(request):
    member = _own_member(request)
    form = SelfStudyForm(request.POST, branch=member.branch)
    year = _year(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.self_study_add(actor=request.user, member=member, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The self-study was recorded."))
            return _back(data["on"].year)
    return _render_mine(request, year, study_form=form)


@login_required
@require_POST
def self_study_delete(request, pk):
    record = get_object_or_404(
        SelfStudy.objects.visible_to(request.user).select_related("member"), pk=pk
    )
    try:
        services.self_study_delete(
            actor=request.user, record=record, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The self-study record was deleted."))
    return _back(record.on.year)


@login_required
def branch_self_study(request, branch_pk):
    """Members' study plans and self-study hours of a branch in a year."""
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    year = _year(request)
    members = (
        Member.objects.visible_to(request.user)
        .filter(branch=branch, left_on__isnull=True)
        .order_by("name")
    )
    rows = selectors.self_study_overview(members, year)
    counts = policy_in_force(branch, "self_study_counts", _reference_day(year)) == "yes"
    return render(
        request,
        "education/branch_self_study.html",
        {
            "branch": branch,
            "year": year,
            "rows": rows,
            "counts": counts,
            "with_plan": sum(1 for r in rows if r.plan),
        },
    )


@login_required
def closures(request, org_pk):
    """Closed education years of the organisation's province and the late
    corrections in the organisation's subtree."""
    organization = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    province = (
        Organization.objects.filter(pk=organization.province_id).first()
        if organization.province_id
        else None
    )
    closed = list(selectors.province_closures(organization)) if province else []
    corrections = (
        LateCorrection.objects.visible_to(request.user)
        .filter(activity__organization__path__descendant_of=organization.path)
        .select_related("activity", "activity__organization", "actor")
        .order_by("-at")[:200]
    )
    can_close = province is not None and scoping.can(request.user, scoping.CHANGE, province)
    last_year = timezone.localdate().year - 1
    form = None
    if can_close and last_year not in {c.year for c in closed}:
        form = YearCloseForm(initial={"year": last_year})
    return render(
        request,
        "education/closures.html",
        {
            "organization": organization,
            "province": province,
            "closed": closed,
            "corrections": corrections,
            "form": form,
            "last_year": last_year,
        },
    )


@login_required
@require_POST
def year_close(request, org_pk):
    organization = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    province = get_object_or_404(Organization, pk=organization.province_id or 0)
    scoping.require(request.user, scoping.CHANGE, province)
    form = YearCloseForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            closure = services.year_close_request(actor=request.user, province=province, year=year)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if closure is None:
                message = _(
                    "Closing the education year %(year)s of %(org)s has started; it is "
                    "listed here when the totals are recomputed (a few minutes)."
                )
            else:
                message = _("The education year %(year)s of %(org)s is closed.")
            messages.success(request, message % {"year": year, "org": province.name})
            return redirect("education:closures", org_pk=organization.pk)
    for field, errors in form.errors.items():
        for message in errors:
            messages.error(
                request,
                f"{form.fields[field].label}: {message}" if field in form.fields else message,
            )
    return redirect("education:closures", org_pk=organization.pk)
