"""Pages of care: households and pairings, volunteering, care for members in hardship."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config import exports
from config.forms import add_service_errors
from members.models import Member

from . import selectors_care as selectors
from . import services_care as services
from .forms_care import (
    CareForm,
    HouseholdCloseForm,
    HouseholdForm,
    PairingEndForm,
    PairingForm,
    VisitForm,
    VolunteeringFields,
    VolunteeringFilterForm,
    VolunteeringForm,
)
from .models import Household, VolunteerKind, VolunteerRecord

MEMBERS_PER_PAGE = 100
EXPORT_HEADER = [
    "日期",
    "党员",
    "所在支部",
    "类别",
    "时长（小时）",
    "组织单位",
    "内容",
    "捐赠金额（元）",
    "录入",
]
KIND_LABELS = {
    "poverty": "扶贫",
    "teaching": "支教",
    "environment": "保护环境",
    "next_generation": "关心下一代",
    "donation": "捐赠",
    "convenience": "便民利民",
    "service_station": "党员服务站（点）值班",
    "other": "其他",
}


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _call(form, fn, **kwargs):
    """Run a service; on a ValidationError put it on the form and return None."""
    try:
        return fn(**kwargs)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


# --- Households and pairings --------------------------------------------------------


@login_required
def pairings_page(request, org_pk):
    """The organisation's households in difficulty and pairings (二（一）)."""
    org = _org(request, org_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, org)
    households_q = selectors.households_of(request.user, org)
    members_q = selectors.able_members(request.user, org, scoping.CHANGE)
    open_households = Household.objects.visible_to(request.user, scoping.CHANGE).filter(
        organization__path__descendant_of=org.path, closed_on__isnull=True
    )
    which = request.POST.get("form") if request.method == "POST" else None
    household_form = HouseholdForm(request.POST if which == "household" else None, prefix="h")
    pairing_form = PairingForm(
        request.POST if which == "pairing" else None,
        prefix="p",
        members=members_q,
        households=open_households,
    )
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        if which == "household" and household_form.is_valid():
            household = _call(
                household_form,
                services.household_create,
                actor=request.user,
                organization=org,
                **household_form.cleaned_data,
            )
            if household is not None:
                messages.success(request, _("%(name)s is recorded.") % {"name": household})
                return redirect("outreach:pairings", org_pk=org.pk)
        elif which == "pairing" and pairing_form.is_valid():
            pairing = _call(
                pairing_form,
                services.pairing_create,
                actor=request.user,
                **pairing_form.cleaned_data,
            )
            if pairing is not None:
                messages.success(request, _("The pairing is recorded."))
                return redirect("outreach:pairing", pk=pairing.pk)
    households = list(households_q)
    pairings = list(selectors.pairings_of(request.user, org))
    show_contact = can_change
    unpaired = list(selectors.unpaired_able_members(request.user, org)[:200])
    return render(
        request,
        "outreach/care/pairings.html",
        {
            "org": org,
            "can_change": can_change,
            "show_contact": show_contact,
            "households": households,
            "open_pairings": [p for p in pairings if p.ended_on is None],
            "ended_pairings": [p for p in pairings if p.ended_on is not None],
            "unpaired": unpaired,
            "household_form": household_form if can_change else None,
            "pairing_form": pairing_form if can_change else None,
        },
    )


@login_required
def household_page(request, pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    can_change = scoping.can(request.user, scoping.CHANGE, household.organization)
    which = request.POST.get("form") if request.method == "POST" else None
    form = HouseholdForm(
        request.POST if which == "edit" else None,
        prefix="h",
        initial={f: getattr(household, f) for f in services.HOUSEHOLD_FIELDS},
    )
    close_form = HouseholdCloseForm(
        request.POST if which == "close" else None,
        prefix="c",
        initial={"closed_on": timezone.localdate()},
    )
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, household.organization)
        if which == "edit" and form.is_valid():
            if _call(
                form,
                services.household_update,
                actor=request.user,
                household=household,
                **form.cleaned_data,
            ):
                messages.success(request, _("Saved."))
                return redirect("outreach:household", pk=household.pk)
        elif (
            which == "close"
            and close_form.is_valid()
            and _call(
                close_form,
                services.household_close,
                actor=request.user,
                household=household,
                on=close_form.cleaned_data["closed_on"],
                note=close_form.cleaned_data["note"],
            )
        ):
            messages.success(request, _("The household is closed."))
            return redirect("outreach:pairings", org_pk=household.organization_id)
    pairings = (
        selectors.pairing_visible(request.user)
        .filter(household=household)
        .order_by("ended_on", "-started_on")
    )
    return render(
        request,
        "outreach/care/household.html",
        {
            "household": household,
            "can_change": can_change,
            "pairings": pairings,
            "form": form if can_change else None,
            "close_form": close_form if can_change and household.closed_on is None else None,
        },
    )


@login_required
def pairing_page(request, pk):
    """A pairing: the household (contact only for the branch), visits, the end."""
    pairing = get_object_or_404(selectors.pairing_visible(request.user), pk=pk)
    can_change = scoping.can(request.user, scoping.CHANGE, pairing.branch)
    may_visit = services.may_record_visit(request.user, pairing)
    which = request.POST.get("form") if request.method == "POST" else None
    visit_form = VisitForm(
        request.POST if which == "visit" else None,
        prefix="v",
        initial={"on": timezone.localdate()},
    )
    end_form = PairingEndForm(
        request.POST if which == "end" else None,
        prefix="e",
        initial={"ended_on": timezone.localdate()},
    )
    if request.method == "POST":
        if which == "visit":
            if pairing.member.user_id != request.user.pk:
                scoping.require(request.user, scoping.CHANGE, pairing.branch)
            if visit_form.is_valid() and _call(
                visit_form,
                services.pairing_visit_record,
                actor=request.user,
                pairing=pairing,
                **visit_form.cleaned_data,
            ):
                messages.success(request, _("The visit is recorded."))
                return redirect("outreach:pairing", pk=pairing.pk)
        else:
            scoping.require(request.user, scoping.CHANGE, pairing.branch)
            if (
                which == "end"
                and end_form.is_valid()
                and _call(
                    end_form,
                    services.pairing_end,
                    actor=request.user,
                    pairing=pairing,
                    **end_form.cleaned_data,
                )
            ):
                messages.success(request, _("The pairing has ended."))
                return redirect("outreach:pairing", pk=pairing.pk)
    return render(
        request,
        "outreach/care/pairing.html",
        {
            "pairing": pairing,
            "household": pairing.household,
            "show_contact": can_change,
            "can_change": can_change,
            "visits": selectors.visits_of(request.user, pairing),
            "visit_form": visit_form if may_visit else None,
            "end_form": end_form if can_change and pairing.ended_on is None else None,
        },
    )


# --- Volunteering -----------------------------------------------------------------


def _year_and_kind(request) -> tuple[int, str]:
    form = VolunteeringFilterForm(request.GET)
    year, kind = timezone.localdate().year, ""
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        kind = form.cleaned_data["kind"] or ""
    return year, kind


@login_required
def volunteering_page(request, org_pk):
    """Yearly totals per member (hours, count, by kind), the year's records and
    the entry form for several members at once (二（四）)."""
    org = _org(request, org_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, org)
    year, kind = _year_and_kind(request)
    members = Member.objects.visible_to(request.user, scoping.CHANGE).filter(
        branch__path__descendant_of=org.path, left_on__isnull=True
    )
    form = VolunteeringForm(request.POST or None, members=members.order_by("name", "pk"))
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        if form.is_valid():
            data = dict(form.cleaned_data)
            records = _call(
                form,
                services.volunteering_record,
                actor=request.user,
                organization=org,
                members=list(data.pop("members")),
                **data,
            )
            if records is not None:
                messages.success(
                    request,
                    _("Recorded for %(count)d members.") % {"count": len(records)},
                )
                return redirect(f"{request.path}?year={data['on'].year}")
    totals = Paginator(
        selectors.volunteering_totals(request.user, org, year=year, kind=kind), MEMBERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [(m, selectors.by_kind(m)) for m in totals]
    records = list(selectors.volunteering_records(request.user, org, year=year, kind=kind)[:200])
    for r in records:
        r.self_entered = r.recorded_by_id is not None and r.recorded_by_id == r.member.user_id
    return render(
        request,
        "outreach/care/volunteering.html",
        {
            "org": org,
            "year": year,
            "kind": kind,
            "kinds": VolunteerKind.choices,
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            "page": totals,
            "rows": rows,
            "records": records,
            "can_change": can_change,
            "form": form if can_change else None,
        },
    )


def _entered_by(record) -> str:
    return "本人" if record.recorded_by_id == record.member.user_id else "支部"


EXPORT_COLUMNS = [
    (EXPORT_HEADER[0], "on", 12),
    (EXPORT_HEADER[1], "member.name", 10),
    (EXPORT_HEADER[2], "branch.name", 20),
    (EXPORT_HEADER[3], lambda r: KIND_LABELS.get(r.kind, r.kind), 12),
    (EXPORT_HEADER[4], "hours", 10),
    (EXPORT_HEADER[5], "organiser", 20),
    (EXPORT_HEADER[6], "description", 36),
    (EXPORT_HEADER[7], "amount", 12),
    (EXPORT_HEADER[8], _entered_by, 8),
]


@login_required
def volunteering_export(request, org_pk):
    """The year's records (with the kind filter) as .xlsx, written row by row."""
    org = _org(request, org_pk)
    year, kind = _year_and_kind(request)
    return exports.xlsx_response(
        request,
        rows=selectors.volunteering_records(request.user, org, year=year, kind=kind),
        columns=EXPORT_COLUMNS,
        filename=f"{org.name}-志愿服务-{year}.xlsx",
        what="outreach.volunteering",
        organization=org,
        sheet_title="志愿服务",
    )


@login_required
@require_POST
def volunteering_delete(request, pk):
    record = get_object_or_404(
        VolunteerRecord.objects.visible_to(request.user).select_related("member", "branch"),
        pk=pk,
    )
    if not services.may_delete_volunteering(request.user, record):
        scoping.require(request.user, scoping.CHANGE, record.branch)
    services.volunteering_delete(actor=request.user, record=record)
    messages.success(request, _("The record is deleted."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("outreach:my_volunteering")


@login_required
def my_volunteering(request):
    """The member's own volunteering (entered by themself or the branch) and pairings."""
    member = services.own_member(request.user)
    form = VolunteeringFields(request.POST or None) if member is not None else None
    posted = request.method == "POST" and form is not None and form.is_valid()
    if posted and _call(
        form, services.volunteering_record_own, actor=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Recorded."))
        return redirect("outreach:my_volunteering")
    year = timezone.localdate().year
    records = list(selectors.my_volunteering(request.user)[:300])
    this_year = [r for r in records if r.on.year == year]
    return render(
        request,
        "outreach/care/my_volunteering.html",
        {
            "member": member,
            "form": form,
            "records": records,
            "year": year,
            "year_hours": sum((r.hours for r in this_year), 0),
            "year_count": len(this_year),
            "pairings": selectors.my_pairings(request.user),
        },
    )


# --- Care for members in hardship -------------------------------------------------


@login_required
def care_page(request, org_pk):
    """Members in hardship, those not helped this year first, and the help given."""
    org = _org(request, org_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, org)
    year = timezone.localdate().year
    members = (
        Member.objects.visible_to(request.user, scoping.CHANGE)
        .filter(branch__path__descendant_of=org.path, left_on__isnull=True)
        .order_by("name", "pk")
    )
    form = CareForm(
        request.POST or None,
        members=members,
        initial={"member": request.GET.get("member"), "on": timezone.localdate()},
    )
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        if form.is_valid() and _call(
            form, services.care_record, actor=request.user, **form.cleaned_data
        ):
            messages.success(request, _("The help is recorded."))
            return redirect("outreach:care", org_pk=org.pk)
    return render(
        request,
        "outreach/care/care.html",
        {
            "org": org,
            "year": year,
            "members": list(selectors.hardship_members(request.user, org, year=year)),
            "records": list(selectors.care_records_of(request.user, org)),
            "can_change": can_change,
            "form": form if can_change else None,
        },
    )
