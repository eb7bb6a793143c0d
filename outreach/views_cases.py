"""Pages of service stations, reception of the public and cases (document 2,
二（六）, 三（二）, 三（三））. Thin: reads through selectors_cases, writes through
services_cases."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config import exports
from config.forms import add_service_errors
from members.models import Member

from . import selectors_cases as selectors
from . import services_cases as services
from .forms_cases import (
    AnswerForm,
    CaseFilterForm,
    CaseForm,
    CaseUpdateForm,
    CloseForm,
    ReceptionForm,
    ReopenForm,
    StationForm,
)
from .models import Case, CaseStatus, ServiceStation

PAGE_SIZE = 50


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Service stations and points -------------------------------------------------------


@login_required
def stations(request, org_pk):
    org = _org(request, org_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, org)
    form = StationForm(request.POST or None)
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        if form.is_valid():
            try:
                station = services.station_create(
                    actor=request.user, organization=org, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s was registered.") % {"name": station.name})
                return redirect("outreach:stations", org_pk=org.pk)
    scope = scoping.scope_for(request.user, scoping.CHANGE)
    rows = [
        (s, scope.covers_path(s.organization.path))
        for s in selectors.stations_of(request.user, org)
    ]
    return render(
        request,
        "outreach/cases/stations.html",
        {"org": org, "rows": rows, "form": form if can_change else None},
    )


@login_required
def station_edit(request, pk):
    station = get_object_or_404(
        ServiceStation.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    scoping.require(request.user, scoping.CHANGE, station.organization)
    fields = ("kind", "name", "address", "services", "opening_hours", "phone", "active")
    form = StationForm(request.POST or None, initial={f: getattr(station, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.station_update(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": station.name})
            return redirect("outreach:stations", org_pk=station.organization_id)
    return render(request, "outreach/cases/station_form.html", {"station": station, "form": form})


# --- Reception of the public -----------------------------------------------------------


@login_required
def receptions(request, org_pk):
    org = _org(request, org_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, org)
    leaders = (
        Member.objects.visible_to(request.user)
        .current()
        .filter(leadership_level__in=services.LEADER_LEVELS)
        .order_by("name", "pk")
    )
    form = ReceptionForm(request.POST or None, leaders=leaders)
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        if form.is_valid():
            try:
                services.reception_create(actor=request.user, organization=org, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The reception was scheduled."))
                return redirect("outreach:receptions", org_pk=org.pk)
    now = timezone.now()
    slots = selectors.receptions_of(request.user, org)
    return render(
        request,
        "outreach/cases/receptions.html",
        {
            "org": org,
            "upcoming": slots.filter(ends_at__gte=now).order_by("starts_at", "pk")[:100],
            "past": slots.filter(ends_at__lt=now).order_by("-starts_at", "-pk")[:50],
            "mine": selectors.own_receptions(request.user).filter(ends_at__gte=now)[:20],
            "form": form if can_change else None,
            "can_change": can_change,
        },
    )


# --- Cases ---------------------------------------------------------------------------


@login_required
def cases(request, org_pk):
    org = _org(request, org_pk)
    filters = CaseFilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    within = None
    if f.get("organization"):
        within = get_object_or_404(
            Organization.objects.visible_to(request.user).filter(path__descendant_of=org.path),
            pk=f["organization"],
        )
    today = timezone.localdate()
    queryset = selectors.filter_cases(
        selectors.cases_of(request.user, org),
        status=f.get("status", ""),
        channel=f.get("channel", ""),
        overdue=f.get("overdue", False),
        organization=within,
        on=today,
    ).order_by("feedback_due", "pk")
    scope = scoping.scope_for(request.user, scoping.CHANGE)
    if exports.wants_xlsx(request):
        return _xlsx(request, org, queryset, scope, today)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.show_contact = scope.covers_path(case.organization.path)
        case.is_overdue = case.status == CaseStatus.OPEN and case.feedback_due < today
    counts = selectors.counts_by_child(request.user, org, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outreach/cases/cases.html",
        {
            "org": org,
            "page": page,
            "query": query.urlencode(),
            "filters": filters,
            "within": within,
            "counts": counts,
            "overdue_total": sum(c.overdue for c in counts),
            "open_total": sum(c.open for c in counts),
            "can_change": scoping.can(request.user, scoping.CHANGE, org),
            "today": today,
        },
    )


def _xlsx(request, org, queryset, scope, today):
    """The filtered cases as .xlsx; contacts only where the user may handle the case."""

    def contact(case):
        return case.requester_contact if scope.covers_path(case.organization.path) else ""

    def overdue(case):
        return case.status == CaseStatus.OPEN and case.feedback_due < today

    columns = [
        (_("no."), "pk"),
        (_("received on"), "received_on"),
        (_("raised through"), "get_channel_display"),
        (_("organisation"), "organization.name"),
        (_("requester"), "requester_name"),
        (_("requester's contact"), contact),
        (_("request"), "request", 40),
        (_("handled by"), "handler.name"),
        (_("feedback due"), "feedback_due"),
        (_("status"), "get_status_display"),
        (_("overdue"), overdue),
        (_("feedback given on"), "feedback_on"),
        (_("outcome"), "outcome", 30),
        (_("department following it up"), "follow_up_department"),
        (_("requester's satisfaction"), "get_satisfaction_display"),
    ]
    return exports.xlsx_response(
        request,
        rows=queryset,
        columns=columns,
        filename=exports.dated_filename(org.name, _("Cases of the public")),
        what="outreach.cases",
        organization=org,
    )


def _case_form(request, org, data=None, initial=None):
    return CaseForm(
        data,
        initial=initial,
        receptions=selectors.receptions_of(request.user, org).order_by("-starts_at")[:200]
        if data is None
        else selectors.receptions_of(request.user, org),
        stations=selectors.stations_of(request.user, org).filter(active=True),
        handlers=selectors.handlers_for(org),
    )


@login_required
def case_create(request, org_pk):
    org = _org(request, org_pk)
    scoping.require(request.user, scoping.CHANGE, org)
    if request.method == "POST":
        form = _case_form(request, org, request.POST)
        if form.is_valid():
            try:
                case = services.case_create(
                    actor=request.user, organization=org, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The case was recorded; feedback is due by %(day)s.")
                    % {"day": case.feedback_due},
                )
                return redirect("outreach:case", pk=case.pk)
    else:
        initial = {"received_on": timezone.localdate(), "handler": request.user.pk}
        for key in ("channel", "reception", "station"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        if "reception" in initial:
            initial["channel"] = "reception"
        elif "station" in initial:
            initial["channel"] = "station"
        form = _case_form(request, org, initial=initial)
    return render(request, "outreach/cases/case_form.html", {"org": org, "form": form})


def _case(request, pk) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "organization", "handler", "created_by", "reception__leader", "station"
        ),
        pk=pk,
    )


@login_required
def case_page(request, pk):
    case = _case(request, pk)
    can_change = scoping.can(request.user, scoping.CHANGE, case.organization)
    today = timezone.localdate()
    context = {
        "case": case,
        "can_change": can_change,
        "show_contact": can_change,
        "is_overdue": case.status == CaseStatus.OPEN and case.feedback_due < today,
        "timeline": selectors.case_timeline(case),
        "policy_due": services.policy_deadline(case.organization, case.received_on),
    }
    if can_change:
        handlers = selectors.handlers_for(case.organization)
        context.update(
            update_form=CaseUpdateForm(
                handlers=handlers,
                initial={"handler": case.handler_id, "feedback_due": case.feedback_due},
            ),
            answer_form=AnswerForm(initial={"feedback_on": today}),
            close_form=CloseForm(),
            reopen_form=ReopenForm(),
        )
    return render(request, "outreach/cases/case.html", context)


STEPS = {
    "update": CaseUpdateForm,
    "answer": AnswerForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}


@login_required
@require_POST
def case_step(request, pk, step):
    case = _case(request, pk)
    if step not in STEPS:
        raise Http404
    scoping.require(request.user, scoping.CHANGE, case.organization)
    kwargs = {"handlers": selectors.handlers_for(case.organization)} if step == "update" else {}
    form = STEPS[step](request.POST, **kwargs)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(
                f"{form.fields[n].label if n in form.fields else ''}: {e}"
                for n, errs in form.errors.items()
                for e in errs
            ),
        )
        return redirect("outreach:case", pk=case.pk)
    service = {
        "update": services.case_update,
        "answer": services.case_answer,
        "close": services.case_close,
        "reopen": services.case_reopen,
    }[step]
    try:
        service(actor=request.user, case=case, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("outreach:case", pk=case.pk)
