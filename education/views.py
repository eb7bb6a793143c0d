from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config import exports
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


ACTIVITY_COLUMNS = [
    (gettext_lazy("date and time"), "starts_at"),
    (gettext_lazy("kind"), "get_kind_display"),
    (gettext_lazy("topic"), "title"),
    (gettext_lazy("duration (hours)"), "hours"),
    (gettext_lazy("place"), "place"),
    (gettext_lazy("lecturer"), "lecturer"),
]


@login_required
def activity_list(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    activities = (
        Activity.objects.visible_to(request.user).filter(organization=branch).order_by("-starts_at")
    )
    if exports.wants_xlsx(request):  # every activity, not only the 200 on the page
        return exports.xlsx_response(
            request,
            rows=activities,
            columns=ACTIVITY_COLUMNS,
            filename=exports.dated_filename(branch.name, _("Education activities")),
            what="education.activities",
            organization=branch,
        )
    activities = activities[:200]
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
    form = ActivityForm(request.POST or None, branch=branch, user=request.user)
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
    day = activity.starts_at.astimezone(timezone.get_current_timezone()).date()
    members = (
        Member.objects.visible_to(request.user)
        .filter(selectors.roster_q(activity.organization, day))
        .order_by("name")
    )
    recorded = {a.member_id: a for a in activity.attendances.all()}
    guests = selectors.guest_attendances(activity, request.user)
    year = activity.starts_at.astimezone(timezone.get_current_timezone()).year
    closed = selectors.year_is_closed(activity.organization, year)
    errors = []
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, activity.organization)

        def entry_for(member_id, name):
            raw_hours = request.POST.get(f"hours-{member_id}", "").strip()
            entry = {
                "status": request.POST.get(f"status-{member_id}", AttendanceStatus.PRESENT),
                "reason": request.POST.get(f"reason-{member_id}", ""),
            }
            if raw_hours:
                try:
                    entry["hours"] = Decimal(raw_hours)
                except InvalidOperation:
                    errors.append(_("%(name)s: hours must be a number.") % {"name": name})
            return entry

        exceptions = {member.pk: entry_for(member.pk, member.name) for member in members}
        guest_entries = {}
        for raw in request.POST.getlist("guest"):
            if raw.isdigit():
                guest_entries[int(raw)] = entry_for(int(raw), raw)
        if not errors:
            try:
                services.attendance_save(
                    actor=request.user,
                    activity=activity,
                    exceptions=exceptions,
                    guests=guest_entries,
                    reason=request.POST.get("correction_reason", ""),
                )
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("Attendance was saved."))
                return redirect("education:activities", branch_pk=activity.organization_id)
    rows = [(m, recorded.get(m.pk)) for m in members]
    context = {
        "activity": activity,
        "rows": rows,
        "guests": guests,
        "statuses": AttendanceStatus.choices,
        "can_change": can_change,
        "errors": errors,
        "closed": closed,
        "year": year,
    }
    if can_change:
        context.update(_guest_search(request, activity, {g.member_id for g, _v in guests}))
    return render(request, "education/attendance.html", context)


def _guest_search(request, activity, recorded_guests: set[int]) -> dict:
    """Guests picked but not saved yet (`?add=`), and the name search (`?q=`)."""
    from urllib.parse import urlencode

    source = request.POST if request.method == "POST" else request.GET
    wanted = [int(v) for v in source.getlist("add") if v.isdigit()]
    wanted += [int(v) for v in request.POST.getlist("guest") if v.isdigit()]
    pending = list(
        Member.objects.visible_to(request.user)
        .filter(pk__in=set(wanted) - recorded_guests, left_on__isnull=True)
        .exclude(branch_id=activity.organization_id)
        .select_related("branch")
        .order_by("name")
    )
    query = request.GET.get("q", "").strip()
    candidates = []
    if query:
        keep = [m.pk for m in pending]
        for member in selectors.guest_candidates(request.user, query, activity=activity):
            if member.pk not in keep:
                url = "?" + urlencode({"q": query, "add": [*keep, member.pk]}, doseq=True)
                candidates.append((member, url))
    return {"pending": pending, "query": query, "candidates": candidates}


@login_required
@require_POST
def guest_remove(request, pk, member_pk):
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    scoping.require(request.user, scoping.CHANGE, activity.organization)
    record = get_object_or_404(
        activity.attendances.exclude(member__branch_id=activity.organization_id).select_related(
            "member"
        ),
        member_id=member_pk,
    )
    try:
        services.guest_remove(
            actor=request.user,
            activity=activity,
            member=record.member,
            reason=request.POST.get("correction_reason", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("%(name)s was taken off this activity.") % {"name": record.member.name}
        )
    return redirect("education:attendance", pk=activity.pk)


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
    year = getattr(request, "_self_study_year", None) or _year(request)
    context = {"member": member, "year": year}
    if member is not None:
        from .selfstudy_views import self_study_context

        context["status"] = selectors.year_status(member, year)
        context["counted"] = selectors.counted_activities(member, year)
        context["years"] = list(
            member.yearly_totals.order_by("-year").values_list("year", flat=True)
        )
        forms = getattr(request, "_self_study_forms", {})
        context.update(self_study_context(request, member, year, **forms))
    return render(request, "education/my_hours.html", context)
