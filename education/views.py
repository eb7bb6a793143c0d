from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization
from config.forms import add_service_errors
from members.models import Member

from . import selectors, services
from .forms import ActivityForm
from .models import Activity, AttendanceStatus


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@login_required
def activity_list(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    activities = (
        Activity.objects.visible_to(request.user)
        .filter(organization=branch)
        .order_by("-starts_at")[:200]
    )
    return render(
        request,
        "education/activity_list.html",
        {
            "branch": branch,
            "activities": activities,
            "can_change": scoping.can(request.user, scoping.CHANGE, branch),
        },
    )


@login_required
def activity_create(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    scoping.require(request.user, scoping.CHANGE, branch)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                actor=request.user, organization=branch, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity was recorded; now mark who attended."))
            return redirect("education:attendance", pk=activity.pk)
    return render(request, "education/activity_form.html", {"form": form, "branch": branch})


@login_required
def attendance(request, pk):
    """One screen: everyone present by default; change only the exceptions."""
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    can_change = scoping.can(request.user, scoping.CHANGE, activity.organization)
    members = (
        Member.objects.visible_to(request.user)
        .filter(branch=activity.organization, left_on__isnull=True)
        .order_by("name")
    )
    recorded = {a.member_id: a for a in activity.attendances.all()}
    errors = []
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, activity.organization)
        exceptions = {}
        for member in members:
            status = request.POST.get(f"status-{member.pk}", AttendanceStatus.PRESENT)
            raw_hours = request.POST.get(f"hours-{member.pk}", "").strip()
            entry = {"status": status, "reason": request.POST.get(f"reason-{member.pk}", "")}
            if raw_hours:
                try:
                    entry["hours"] = Decimal(raw_hours)
                except InvalidOperation:
                    errors.append(_("%(name)s: hours must be a number.") % {"name": member.name})
            exceptions[member.pk] = entry
        if not errors:
            try:
                services.attendance_save(
                    actor=request.user, activity=activity, exceptions=exceptions
                )
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("Attendance was saved."))
                return redirect("education:activities", branch_pk=activity.organization_id)
    rows = [(m, recorded.get(m.pk)) for m in members]
    return render(
        request,
        "education/attendance.html",
        {
            "activity": activity,
            "rows": rows,
            "statuses": AttendanceStatus.choices,
            "can_change": can_change,
            "errors": errors,
        },
    )


@login_required
def compliance(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    year = _year(request)
    members = (
        Member.objects.visible_to(request.user)
        .filter(branch=branch, left_on__isnull=True)
        .select_related("branch")
        .order_by("name")
    )
    statuses = selectors.year_statuses(members, year)
    return render(
        request,
        "education/compliance.html",
        {
            "branch": branch,
            "year": year,
            "statuses": statuses,
            "short": sum(1 for s in statuses if s.short),
        },
    )


@login_required
def my_hours(request):
    """The member's own hours ("我的学时"), this year and past years."""
    member = (
        Member.objects.visible_to(request.user)
        .filter(user=request.user)
        .select_related("branch")
        .first()
    )
    year = _year(request)
    context = {"member": member, "year": year}
    if member is not None:
        context["status"] = selectors.year_status(member, year)
        context["counted"] = selectors.counted_activities(member, year)
        context["years"] = list(
            member.yearly_totals.order_by("-year").values_list("year", flat=True)
        )
    return render(request, "education/my_hours.html", context)
