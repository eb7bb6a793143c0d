"""Pages of the party-school rotation, leaders' lectures and reminders
(document 1, 三（一） and 二（二）1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization, Reminder
from config.forms import add_service_errors
from members.models import Member

from . import selectors, services
from .forms import EndPostForm, PartySchoolTrainingForm, PartyWorkerForm
from .models import PartyWorker
from .selectors import RotationState

PAGE_SIZE = 100
STATES = ("attention", RotationState.OVERDUE, RotationState.DUE_SOON, RotationState.OK, "all")


def _org(request, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)


def _query(request) -> str:
    """The query string without the page number, for the pager."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def party_school(request, org_pk):
    """Due and overdue rotation of the party workers of the subtree; heads first."""
    org = _org(request, org_pk)
    state = request.GET.get("state", "attention")
    if state not in STATES:
        state = "attention"
    today = timezone.localdate()
    workers = selectors.workers_within(org, PartyWorker.objects.visible_to(request.user))
    if state in (RotationState.OK, "all"):
        statuses = selectors.rotation_status(workers, today)
    else:
        statuses = selectors.rotation_status(workers, today, attention_within=org)
    counts = dict.fromkeys((RotationState.OVERDUE, RotationState.DUE_SOON, RotationState.OK), 0)
    for s in statuses:
        counts[s.state] += 1
    if state not in ("attention", "all"):
        statuses = [s for s in statuses if s.state == state]
    page = Paginator(statuses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "education/party_school.html",
        {
            "org": org,
            "state": state,
            "page": page,
            "counts": counts,
            "today": today,
            "query": _query(request),
            "can_change": scoping.can(request.user, scoping.CHANGE, org),
            "states": [
                ("attention", _("Due and overdue")),
                (RotationState.OVERDUE, _("Overdue")),
                (RotationState.DUE_SOON, _("Due soon")),
                (RotationState.OK, _("Trained in time")),
                ("all", _("All")),
            ],
        },
    )


def _prefilled_member(request) -> int | None:
    return _int(request.GET.get("member") or request.POST.get("member"))


@login_required
def party_worker_create(request, org_pk):
    org = _org(request, org_pk)
    scoping.require(request.user, scoping.CHANGE, org)
    chosen = _prefilled_member(request)
    members = (
        Member.objects.visible_to(request.user)
        .filter(left_on__isnull=True)
        .filter(Q(branch__path__descendant_of=org.path) | Q(pk=chosen or 0))
        .order_by("name")
    )
    form = PartyWorkerForm(
        request.POST or None,
        members=members,
        initial={"member": chosen, "since": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.party_worker_save(actor=request.user, organization=org, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The post was recorded."))
            return redirect("education:party-school", org_pk=org.pk)
    return render(request, "education/party_worker_form.html", {"form": form, "org": org})


@login_required
def party_school_training_create(request, org_pk):
    org = _org(request, org_pk)
    scoping.require(request.user, scoping.CHANGE, org)
    chosen = _prefilled_member(request)
    members = (
        Member.objects.visible_to(request.user)
        .filter(left_on__isnull=True)
        .filter(
            Q(
                party_posts__organization__path__descendant_of=org.path,
                party_posts__until__isnull=True,
            )
            | Q(pk=chosen or 0)
        )
        .distinct()
        .order_by("name")
    )
    form = PartySchoolTrainingForm(
        request.POST or None, members=members, initial={"member": chosen}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.party_school_training_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The party-school training was recorded."))
            return redirect("education:party-school", org_pk=org.pk)
    return render(request, "education/party_school_training_form.html", {"form": form, "org": org})


@login_required
def party_worker_end(request, pk):
    worker = get_object_or_404(
        PartyWorker.objects.visible_to(request.user).select_related("member", "organization"),
        pk=pk,
    )
    scoping.require(request.user, scoping.CHANGE, worker.organization)
    form = EndPostForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.party_worker_end(actor=request.user, worker=worker, on=form.cleaned_data["on"])
        except ValidationError as error:
            add_service_errors(form, error)  # "until" shows above the form
        else:
            messages.success(request, _("The post was ended."))
            return redirect("education:party-school", org_pk=worker.organization_id)
    return render(request, "education/party_worker_end.html", {"form": form, "worker": worker})


@login_required
def leader_lectures(request, org_pk):
    """Leading cadres without this year's party lecture or situation report."""
    org = _org(request, org_pk)
    year = _int(request.GET.get("year")) or timezone.localdate().year
    rows = selectors.leaders_without_lecture(
        org, year, members=Member.objects.visible_to(request.user)
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "education/leader_lectures.html",
        {"org": org, "year": year, "page": page, "total": len(rows), "query": _query(request)},
    )


@login_required
def reminders(request, org_pk):
    """Open reminders of the subtree; resolved ones only when asked."""
    org = _org(request, org_pk)
    show_resolved = request.GET.get("resolved") == "1"
    rows = (
        Reminder.objects.visible_to(request.user)
        .filter(organization__path__descendant_of=org.path)
        .select_related("organization", "member")
        .order_by("resolved_at", "due_on", "pk")
    )
    if not show_resolved:
        rows = rows.filter(resolved_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "education/reminders.html",
        {
            "org": org,
            "page": page,
            "show_resolved": show_resolved,
            "query": _query(request),
            "can_change": scoping.can(request.user, scoping.CHANGE, org),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def reminder_resolve(request, pk):
    reminder = get_object_or_404(Reminder.objects.visible_to(request.user), pk=pk)
    services.reminder_resolve(actor=request.user, reminder=reminder)
    messages.success(request, _("The reminder was marked as dealt with."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("education:reminders", org_pk=reminder.organization_id)
