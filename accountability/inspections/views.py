"""Pages of spot-checks and inspections (document 4 四, document 3 四). Thin: reads
through selectors, writes through services.

The organisation department works through the spot-check wizard (define →
draw → inspect → findings → report → close); an inspector, who holds no role
on the drawn branches, reaches them only through the draw's grants ("my
spot-checks")."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accountability import figures
from branches import scoping
from branches.models import Organization, RoleAssignment, User
from config import exports
from config.forms import add_service_errors

from . import draw, report, selectors, services
from .forms import (
    ChecklistForm,
    FindingForm,
    InspectionFindingForm,
    InspectionForm,
    InspectionResultsForm,
    SeedForm,
    SpotCheckForm,
)
from .models import (
    SPOT_CHECK_ACTIVE,
    Inspection,
    InspectionEntry,
    InspectionFinding,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckUnit,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _candidates(org: Organization):
    """Users holding a role in the organisation's subtree."""
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.active()
        .filter(organization__path__descendant_of=org.path)
        .values("user_id"),
    ).order_by("username")


SPOT_CHECK_COLUMNS = [
    (gettext_lazy("year"), "year"),
    (gettext_lazy("title"), "title", 30),
    (gettext_lazy("organising organisation"), "organizing_org.name", 24),
    (gettext_lazy("status"), "get_status_display"),
    (gettext_lazy("branches to draw"), "branch_sample"),
    (gettext_lazy("members to draw per branch"), "members_per_branch"),
    (gettext_lazy("check period from"), "period_start"),
    (gettext_lazy("check period to"), "period_end"),
    (gettext_lazy("drawn at"), "drawn_at"),
    (gettext_lazy("closed at"), "closed_at"),
]
INSPECTION_COLUMNS = [
    (gettext_lazy("title"), "title", 30),
    (gettext_lazy("kind"), "get_kind_display"),
    (gettext_lazy("organising organisation"), "organizing_org.name", 24),
    (gettext_lazy("period from"), "period_start"),
    (gettext_lazy("period to"), "period_end"),
    (gettext_lazy("follow-up"), "follow_up", 40),
]


@login_required
def spot_checks(request, org_pk):
    """The organisation's spot-checks and the form to define one."""
    org = _org(request, org_pk)
    if request.method == "GET" and exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=_spot_checks(request, org),
            columns=SPOT_CHECK_COLUMNS,
            filename=exports.dated_filename(org.name, _("Random spot-checks")),
            what="inspections.spot_checks",
            organization=org,
        )
    can_define = scoping.can(request.user, scoping.CHANGE, org) and org.kind == "local_committee"
    form = None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    if can_define:
        candidates = _candidates(org)
        if request.method == "POST":
            form = SpotCheckForm(request.POST, candidates=candidates)
            if form.is_valid():
                data = form.cleaned_data
                expires = data["access_expires_on"]
                try:
                    check = services.spot_check_define(
                        actor=request.user,
                        organizing_org=org,
                        year=data["year"],
                        title=data["title"],
                        branch_sample=data["branch_sample"],
                        members_per_branch=data["members_per_branch"],
                        period_start=data["period_start"],
                        period_end=data["period_end"],
                        inspectors=[*data["inspectors"], *data["inspector_usernames"]],
                        access_expires_at=timezone.make_aware(
                            datetime.combine(expires, datetime.max.time().replace(microsecond=0))
                        )
                        if expires
                        else None,
                    )
                except ValidationError as error:
                    if hasattr(error, "error_dict") and "access_expires_at" in error.error_dict:
                        error.error_dict["access_expires_on"] = error.error_dict.pop(
                            "access_expires_at"
                        )
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("The spot-check was defined; draw it next."))
                    return redirect("inspections:spot_check", pk=check.pk)
        else:
            today = timezone.localdate()
            form = SpotCheckForm(
                candidates=candidates,
                initial={
                    "year": today.year,
                    "period_start": today,
                    "branch_sample": 10,
                    "members_per_branch": 3,
                },
            )
    page = Paginator(_spot_checks(request, org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/inspections/spot_checks.html",
        {"org": org, "page": page, "form": form, "method": draw.METHOD},
    )


def _spot_checks(request, org):
    return (
        SpotCheck.objects.visible_to(request.user)
        .filter(organizing_org__path__descendant_of=org.path)
        .select_related("organizing_org")
    )


def _check(request, pk) -> SpotCheck:
    return get_object_or_404(selectors.spot_checks_for(request.user), pk=pk)


@login_required
@require_GET
def spot_check(request, pk, verify=False):
    check = _check(request, pk)
    can_manage = scoping.can(request.user, scoping.CHANGE, check.organizing_org)
    units = selectors.with_summary(selectors.units_for(request.user, check))
    context = {
        "check": check,
        "can_manage": can_manage,
        "units": units,
        "inspectors": list(check.inspectors.order_by("username")),
        "seed_form": SeedForm(),
        "method": draw.METHOD,
        "active": check.status in SPOT_CHECK_ACTIVE,
    }
    if check.seed is not None:
        context["report"] = selectors.report_data(check)
    if verify:
        try:
            context["verification"] = services.spot_check_verify(check)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(request, "accountability/inspections/spot_check.html", context)


@login_required
@require_GET
def spot_check_verify(request, pk):
    return spot_check(request, pk, verify=True)


STEPS = {
    "draw": services.spot_check_draw,
    "report": services.spot_check_report,
    "close": services.spot_check_close,
}
STEP_MESSAGES = {
    "draw": _("The sample was drawn; the inspectors can now see the drawn units."),
    "report": _("The spot-check is marked reported."),
    "close": _("The spot-check is closed; the inspectors' access is revoked."),
}


@login_required
@require_POST
def spot_check_step(request, pk, step):
    check = _check(request, pk)
    if step not in STEPS:
        raise Http404
    scoping.require(request.user, scoping.CHANGE, check.organizing_org)
    kwargs = {}
    if step == "draw":
        form = SeedForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect("inspections:spot_check", pk=check.pk)
        kwargs["seed"] = form.cleaned_data["seed"]
    try:
        STEPS[step](actor=request.user, spot_check=check, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(STEP_MESSAGES[step]))
    return redirect("inspections:spot_check", pk=check.pk)


def _report_check(request, pk) -> SpotCheck:
    check = _check(request, pk)
    if check.seed is None:
        raise Http404(_("The spot-check has not been drawn yet."))
    return check


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_pdf(request, pk):
    check = _report_check(request, pk)
    return _download(report.pdf_bytes(check), "application/pdf", f"spot-check-{check.pk}.pdf")


@login_required
@require_GET
def report_xlsx(request, pk):
    check = _report_check(request, pk)
    return _download(report.xlsx_bytes(check), XLSX, f"spot-check-{check.pk}.xlsx")


def _unit(request, pk) -> SpotCheckUnit:
    return get_object_or_404(selectors.units_for(request.user), pk=pk)


def _may_record(user, unit) -> bool:
    return unit.spot_check.status in SPOT_CHECK_ACTIVE and (
        services.may_inspect(user, unit)
        or scoping.can(user, scoping.CHANGE, unit.spot_check.organizing_org)
    )


@login_required
def unit_page(request, pk):
    """A drawn unit: its checklist, the figures that help, its findings and their orders."""
    unit = _unit(request, pk)
    check = unit.spot_check
    entries, findings, members = selectors.unit_detail(unit)
    may_record = _may_record(request.user, unit)
    form = ChecklistForm(initial={"note": unit.note}, entries=entries)
    finding_form = FindingForm()
    if request.method == "POST":
        if not may_record:
            raise Http404
        if "problem" in request.POST:
            finding_form = FindingForm(request.POST)
            if finding_form.is_valid():
                try:
                    services.finding_record(
                        actor=request.user, unit=unit, **finding_form.cleaned_data
                    )
                except ValidationError as error:
                    add_service_errors(finding_form, error)
                else:
                    messages.success(request, _("The finding was recorded."))
                    return redirect("inspections:unit", pk=unit.pk)
        else:
            form = ChecklistForm(request.POST, entries=entries)
            if form.is_valid():
                try:
                    services.checklist_record(
                        actor=request.user,
                        unit=unit,
                        results=form.results(),
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("inspections:unit", pk=unit.pk)
    return render(
        request,
        "accountability/inspections/unit.html",
        {
            "unit": unit,
            "check": check,
            "form": form,
            "finding_form": finding_form,
            "findings": findings,
            "members": members,
            "may_record": may_record,
            "can_issue": scoping.can(request.user, scoping.CHANGE, check.organizing_org),
            "figures": figures.values_of(unit.branch, check.year),
        },
    )


@login_required
@require_POST
def finding_order(request, pk):
    """The organising organisation issues the finding's rectification order (once)."""
    finding = get_object_or_404(
        SpotCheckFinding.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    try:
        order = services.finding_issue_order(actor=request.user, finding=finding)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("inspections:unit", pk=finding.unit_id)
    messages.success(request, _("The rectification order was issued."))
    return redirect("accountability:order", pk=order.pk)


@login_required
@require_GET
def mine(request):
    """The inspector's spot-checks: the units they may inspect, through their grants."""
    units = selectors.with_summary(
        selectors.inspector_units(request.user).select_related(
            "branch", "spot_check__organizing_org"
        )
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accountability/inspections/mine.html", {"page": page})


# --- inspections --------------------------------------------------------------------


def _targets(user, org):
    return (
        Organization.objects.visible_to(user, scoping.CHANGE)
        .filter(path__descendant_of=org.path, dissolved__isnull=True)
        .exclude(pk=org.pk)
        .order_by("path")
    )


@login_required
def inspections(request, org_pk):
    """督查 / 巡回检查 / 随机抽样检查 organised by the organisation or below it."""
    org = _org(request, org_pk)
    queryset = (
        Inspection.objects.visible_to(request.user)
        .filter(organizing_org__path__descendant_of=org.path)
        .select_related("organizing_org")
    )
    if request.method == "GET" and exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=queryset,
            columns=INSPECTION_COLUMNS,
            filename=exports.dated_filename(org.name, _("Inspections")),
            what="inspections.inspections",
            organization=org,
        )
    form = None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    if scoping.can(request.user, scoping.CHANGE, org) and org.kind != "branch":
        targets = _targets(request.user, org)
        form = InspectionForm(request.POST or None, targets=targets)
        if request.method == "POST" and form.is_valid():
            try:
                inspection = services.inspection_create(
                    actor=request.user, organizing_org=org, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The inspection was recorded."))
                return redirect("inspections:inspection", pk=inspection.pk)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/inspections/inspections.html",
        {"org": org, "page": page, "form": form},
    )


@login_required
def inspection(request, pk):
    item = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("organizing_org"), pk=pk
    )
    can_manage = scoping.can(request.user, scoping.CHANGE, item.organizing_org)
    entries = list(
        InspectionEntry.objects.filter(item__inspection=item)
        .select_related("item", "organization")
        .order_by("item__position", "item_id", "organization__path")
    )
    targets = item.organizations.order_by("path")
    results_form = InspectionResultsForm(initial={"follow_up": item.follow_up}, entries=entries)
    finding_form = InspectionFindingForm(targets=targets)
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, item.organizing_org)
        if "problem" in request.POST:
            finding_form = InspectionFindingForm(request.POST, targets=targets)
            if finding_form.is_valid():
                try:
                    services.inspection_finding_record(
                        actor=request.user, inspection=item, **finding_form.cleaned_data
                    )
                except ValidationError as error:
                    add_service_errors(finding_form, error)
                else:
                    messages.success(request, _("The finding was recorded and its order issued."))
                    return redirect("inspections:inspection", pk=item.pk)
        else:
            results_form = InspectionResultsForm(request.POST, entries=entries)
            if results_form.is_valid():
                try:
                    services.inspection_record(
                        actor=request.user,
                        inspection=item,
                        results=results_form.results(),
                        follow_up=results_form.cleaned_data["follow_up"],
                    )
                except ValidationError as error:
                    add_service_errors(results_form, error)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("inspections:inspection", pk=item.pk)
    findings = (
        InspectionFinding.objects.visible_to(request.user)
        .filter(inspection=item)
        .select_related("organization", "order")
    )
    return render(
        request,
        "accountability/inspections/inspection.html",
        {
            "inspection": item,
            "can_manage": can_manage,
            "results_form": results_form,
            "finding_form": finding_form,
            "findings": findings,
            "organizations": targets,
        },
    )
