"""Pages of rectification tracking (document 4). Thin: reads through
selectors, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from branches import scoping
from branches.models import Organization
from config import exports
from config.forms import add_service_errors
from education import files

from . import selectors, services
from .forms import (
    ConsolidateForm,
    FilterForm,
    NoteForm,
    OrderForm,
    ProgressForm,
    WeakUnitFilterForm,
    WeakUnitForm,
)
from .models import RectificationOrder, RectificationUpdate, WeakUnit

PAGE_SIZE = 50
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


ORDER_COLUMNS = [
    (gettext_lazy("no."), "pk"),
    (gettext_lazy("organisation to rectify"), "organization.name", 24),
    (gettext_lazy("issued by"), "issued_by_org.name", 24),
    (gettext_lazy("arising from"), "get_source_kind_display"),
    (gettext_lazy("reference"), "source_ref"),
    (gettext_lazy("problem found"), "problem", 40),
    (gettext_lazy("what must be done"), "required", 40),
    (gettext_lazy("issued on"), "issued_on"),
    (gettext_lazy("deadline"), "deadline"),
    (gettext_lazy("overdue"), "is_overdue"),
    (gettext_lazy("status"), "get_status_display"),
    (gettext_lazy("submitted at"), "submitted_at"),
    (gettext_lazy("accepted at"), "accepted_at"),
    (gettext_lazy("updates"), "update_count"),
]


WEAK_UNIT_COLUMNS = [
    (gettext_lazy("year"), "year"),
    (gettext_lazy("organisation"), "organization.name", 24),
    (gettext_lazy("identified by"), "identified_by_org.name", 24),
    (gettext_lazy("identified on"), "identified_on"),
    (gettext_lazy("how it is weak and lax"), "problems", 40),
    (gettext_lazy("consolidation measures"), "measures", 40),
    (gettext_lazy("consolidated by"), "order.deadline"),
    (gettext_lazy("status"), "get_status_display"),
    (gettext_lazy("consolidated on"), "consolidated_on"),
    (gettext_lazy("result of the consolidation"), "result", 30),
]


def _listing(request, org, queryset, template, extra, *, what=""):
    filters = FilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    queryset = selectors.filter_orders(
        queryset,
        status=f.get("status", ""),
        source_kind=f.get("source_kind", ""),
        overdue=f.get("overdue", False),
        on=today,
    )
    if request.method == "GET" and exports.wants_xlsx(request):
        title = _("Rectification orders issued") if what == "issued" else _("Orders received")
        return exports.xlsx_response(
            request,
            rows=queryset,
            columns=ORDER_COLUMNS,
            filename=exports.dated_filename(org.name, title),
            what=f"accountability.rectifications.{what}",
            organization=org,
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "org": org,
        "page": page,
        "query": query.urlencode(),
        "filters": filters,
        "overdue_total": queryset.filter(selectors.overdue_q(today)).count()
        if not f.get("overdue")
        else page.paginator.count,
        "today": today,
        **extra,
    }
    return render(request, template, context)


@login_required
def issued(request, org_pk):
    """The issuing side: orders issued by the organisation or below it, overdue first;
    the form to issue a new one."""
    org = _org(request, org_pk)
    can_issue = scoping.can(request.user, scoping.CHANGE, org)
    form = None
    if can_issue:
        targets = selectors.targets_for(request.user, org)
        if request.method == "POST":
            form = OrderForm(request.POST, targets=targets)
            if form.is_valid():
                try:
                    order = services.order_issue(
                        actor=request.user, issued_by_org=org, **form.cleaned_data
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("The order was issued; it is due by %(day)s.") % {"day": order.deadline},
                    )
                    return redirect("accountability:order", pk=order.pk)
        else:
            form = OrderForm(targets=targets, initial={"issued_on": timezone.localdate()})
    elif request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
    return _listing(
        request,
        org,
        selectors.issued_by(request.user, org),
        "accountability/issued.html",
        {"form": form},
        what="issued",
    )


@login_required
@require_GET
def received(request, org_pk):
    """The receiving side: orders to the organisation or below it."""
    org = _org(request, org_pk)
    return _listing(
        request,
        org,
        selectors.received_by(request.user, org),
        "accountability/received.html",
        {},
        what="received",
    )


def _order(request, pk) -> RectificationOrder:
    return get_object_or_404(
        RectificationOrder.objects.visible_to(request.user).select_related(
            "organization", "issued_by_org", "accepted_by", "created_by"
        ),
        pk=pk,
    )


@login_required
@require_GET
def order_page(request, pk):
    order = _order(request, pk)
    can_work = scoping.can(request.user, scoping.CHANGE, order.organization)
    can_accept = scoping.can(request.user, scoping.CHANGE, order.issued_by_org)
    return render(
        request,
        "accountability/order.html",
        {
            "order": order,
            "is_overdue": selectors.is_overdue(order),
            "updates": selectors.updates_of(order),
            "timeline": selectors.timeline(order),
            "sources": selectors.sources_of(request.user, order),
            "can_work": can_work,
            "can_accept": can_accept,
            "progress_form": ProgressForm(initial={"on": timezone.localdate()}),
            "note_form": NoteForm(),
        },
    )


STEPS = {
    "progress": (ProgressForm, services.progress_record, "organization"),
    "submit": (NoteForm, services.order_submit, "organization"),
    "accept": (NoteForm, services.order_accept, "issued_by_org"),
    "return": (NoteForm, services.order_return, "issued_by_org"),
    "cancel": (NoteForm, services.order_cancel, "issued_by_org"),
}


@login_required
@require_POST
def order_step(request, pk, step):
    order = _order(request, pk)
    if step not in STEPS:
        raise Http404
    form_class, service, side = STEPS[step]
    if side == "issued_by_org":
        services.require_issuer(request.user, order)
    else:
        scoping.require(request.user, scoping.CHANGE, order.organization)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(
                f"{form.fields[n].label}: {e}" for n, errs in form.errors.items() for e in errs
            ),
        )
        return redirect("accountability:order", pk=order.pk)
    try:
        service(actor=request.user, order=order, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("accountability:order", pk=order.pk)


@login_required
@require_GET
def evidence(request, pk):
    """Serve an evidence file under its sniffed type; never run by the browser."""
    update = get_object_or_404(
        RectificationUpdate.objects.visible_to(request.user).exclude(evidence=""), pk=pk
    )
    try:
        handle = update.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle,
        content_type=update.content_type,
        as_attachment=not update.content_type.startswith("image/"),
        filename=files.download_name(update.original_name, update.extension),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = EVIDENCE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    return response


# --- Weak and lax organisations (软弱涣散基层党组织整顿) ------------------------------


@login_required
def weak_units(request, org_pk):
    """Weak and lax grassroots organisations of the subtree and their consolidation;
    the committee's form to register one (which orders its consolidation)."""
    org = _org(request, org_pk)
    today = timezone.localdate()
    form = None
    # Committees above grassroots organisations register them (not a branch).
    if org.kind not in ("branch", "general_branch") and scoping.can(
        request.user, scoping.CHANGE, org
    ):
        targets = selectors.weak_unit_targets(request.user, org)
        form = WeakUnitForm(
            request.POST or None,
            targets=targets,
            initial={"year": today.year, "identified_on": today},
        )
        if request.method == "POST" and form.is_valid():
            try:
                unit = services.weak_unit_identify(
                    actor=request.user, identified_by_org=org, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(org)s is registered as weak and lax; its consolidation is due by %(day)s.")
                    % {"org": unit.organization, "day": unit.order.deadline},
                )
                return redirect("accountability:weak_unit", pk=unit.pk)
    if request.method == "POST" and form is None:
        scoping.require(request.user, scoping.CHANGE, org)
        raise PermissionDenied(_("A branch does not register weak and lax organisations."))
    filters = WeakUnitFilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.weak_units_under(
        request.user, org, year=f.get("year"), status=f.get("status", "")
    )
    if request.method == "GET" and exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=queryset,
            columns=WEAK_UNIT_COLUMNS,
            filename=exports.dated_filename(org.name, _("Weak and lax organisations")),
            what="accountability.weak_units",
            organization=org,
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accountability/weak_units.html",
        {
            "org": org,
            "page": page,
            "query": query.urlencode(),
            "filters": filters,
            "form": form,
            "today": today,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def _weak_unit(request, pk) -> WeakUnit:
    return get_object_or_404(
        WeakUnit.objects.visible_to(request.user).select_related(
            "organization", "identified_by_org", "order", "created_by"
        ),
        pk=pk,
    )


@login_required
def weak_unit_page(request, pk):
    unit = _weak_unit(request, pk)
    can_decide = scoping.can(request.user, scoping.CHANGE, unit.identified_by_org)
    form = None
    if unit.status == "consolidating" and can_decide:
        form = ConsolidateForm(
            request.POST or None, initial={"consolidated_on": timezone.localdate()}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.weak_unit_consolidate(actor=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The consolidation was recorded as done."))
                return redirect("accountability:weak_unit", pk=unit.pk)
    elif request.method == "POST":
        raise PermissionDenied(
            _("Only %(org)s finds the consolidation done.") % {"org": unit.identified_by_org}
            if not can_decide
            else _("The organisation is already consolidated.")
        )
    return render(
        request,
        "accountability/weak_unit.html",
        {
            "unit": unit,
            "form": form,
            "order_overdue": selectors.is_overdue(unit.order),
        },
        status=400 if form is not None and form.is_bound else 200,
    )
