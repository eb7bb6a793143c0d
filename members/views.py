from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization, Sector
from config import exports
from config.forms import add_service_errors
from education.selectors import member_education

from . import selectors, services
from .forms import (
    ConversionForm,
    DuesForm,
    FlagForm,
    HandlingForm,
    LeaveForm,
    MemberForm,
    RejectForm,
    TransferForm,
)
from .models import FlagKind, Member, MemberStatus, Transfer

PAGE_SIZE = 50

# The member list as .xlsx: what the page shows, ID-card numbers masked (the
# roster export in import_views has them in full, for who may change members).
LIST_COLUMNS = [
    (gettext_lazy("name"), "name"),
    (gettext_lazy("gender"), "get_gender_display"),
    (gettext_lazy("date of birth"), "birth_date"),
    (gettext_lazy("status"), "get_status_display"),
    (gettext_lazy("admitted on"), "joined_on"),
    (gettext_lazy("employer category"), "get_employer_sector_display"),
    (gettext_lazy("branch"), "branch.name"),
    (gettext_lazy("ID-card number"), "id_number_masked"),
    (gettext_lazy("left on"), "left_on"),
    (gettext_lazy("reason for leaving"), "get_left_reason_display"),
]
CONVERSION_COLUMNS = [
    (gettext_lazy("name"), "name"),
    (gettext_lazy("branch"), "branch.name", 24),
    (gettext_lazy("admitted on"), "joined_on"),
    (gettext_lazy("conversion due"), "conversion_due"),
]
ARREARS_COLUMNS = [
    (gettext_lazy("name"), "name"),
    (gettext_lazy("branch"), "branch.name", 24),
    (gettext_lazy("phone"), "phone", 15),
]


def _member(request, pk, action=scoping.VIEW) -> Member:
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("branch", "user"), pk=pk
    )
    if action != scoping.VIEW:
        scoping.require(request.user, action, member.branch)
    return member


@login_required
def member_list(request):
    params = request.GET
    branch = None
    if params.get("branch"):
        try:
            branch = get_object_or_404(
                Organization.objects.visible_to(request.user), pk=int(params["branch"])
            )
        except ValueError:
            raise Http404 from None
    members = selectors.member_list(
        request.user,
        q=params.get("q", "").strip(),
        status=params.get("status", ""),
        sector=params.get("sector", ""),
        flag=params.get("flag", ""),
        branch=branch,
        include_left=params.get("left") == "1",
    )
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=members,
            columns=LIST_COLUMNS,
            filename=exports.dated_filename(branch.name if branch else "", _("Members")),
            what="members.list",
            organization=branch,
        )
    page = Paginator(members, PAGE_SIZE).get_page(params.get("page"))
    # Branches where the user may add members: the links to "add" and "import".
    writable = (
        Organization.objects.visible_to(request.user, scoping.CHANGE)
        .filter(kind__in=["branch", "general_branch"], dissolved__isnull=True)
        .order_by("path")[:200]
    )
    context = {
        "page": page,
        "branch": branch,
        "statuses": MemberStatus.choices,
        "sectors": Sector.choices,
        "flags": FlagKind.choices,
        "params": params,
        "writable_branches": writable,
    }
    return render(request, "members/member_list.html", context)


@login_required
def member_detail(request, pk):
    member = _member(request, pk)
    can_change = scoping.can(request.user, scoping.CHANGE, member.branch)
    context = {
        "member": member,
        "can_change": can_change,
        "flags": member.flags.select_related("set_by", "cleared_by").order_by("-set_on"),
        "decisions": member.conversion_decisions.select_related("decided_by"),
        "handlings": member.handlings.select_related("recorded_by"),
        "transfers": Transfer.objects.visible_to(request.user)
        .filter(member=member)
        .select_related("from_branch", "to_branch"),
        "dues": member.dues.select_related("received_by").order_by("-period_start")[:36],
        "history": member.events.order_by("-pgh_created_at").select_related("pgh_context")[:50],
        "education": member_education(member, request.user),
    }
    if can_change:
        context.update(
            flag_form=FlagForm(),
            leave_form=LeaveForm(),
            conversion_form=ConversionForm(),
            handling_form=HandlingForm(),
            transfer_form=TransferForm(),
            dues_form=DuesForm(),
        )
    return render(request, "members/member_detail.html", context)


@login_required
def member_create(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    scoping.require(request.user, scoping.CHANGE, branch)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        id_number = data.pop("id_number")
        try:
            member = services.member_create(
                actor=request.user, branch=branch, id_number=id_number, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": member})
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "branch": branch})


@login_required
def member_edit(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    initial = {f: getattr(member, f) for f in services.MEMBER_FIELDS}
    form = MemberForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        id_number = data.pop("id_number") or None
        try:
            services.member_update(actor=request.user, member=member, id_number=id_number, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": member})


@login_required
@require_POST
def reveal_id_number(request, pk):
    member = _member(request, pk)
    number = services.member_reveal_id_number(actor=request.user, member=member)
    return render(request, "members/_id_number.html", {"number": number})


def _post_action(request, member, form_class, call, success):
    """Run one service from a form on the member page; errors come back as messages."""
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    else:
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    return redirect("members:detail", pk=member.pk)


@login_required
@require_POST
def member_flag(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    if request.POST.get("clear"):
        services.member_clear_flag(actor=request.user, member=member, kind=request.POST["clear"])
        messages.success(request, _("The flag was cleared."))
        return redirect("members:detail", pk=member.pk)
    return _post_action(
        request,
        member,
        FlagForm,
        lambda d: services.member_set_flag(
            actor=request.user, member=member, kind=d["kind"], note=d["note"]
        ),
        _("The flag was set."),
    )


@login_required
@require_POST
def member_leave(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    return _post_action(
        request,
        member,
        LeaveForm,
        lambda d: services.member_leave(
            actor=request.user, member=member, on=d["on"], reason=d["reason"]
        ),
        _("The leaving was recorded."),
    )


@login_required
@require_POST
def member_conversion(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    return _post_action(
        request,
        member,
        ConversionForm,
        lambda d: services.conversion_decide(actor=request.user, member=member, **d),
        _("The decision was recorded."),
    )


@login_required
@require_POST
def member_handling(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    return _post_action(
        request,
        member,
        HandlingForm,
        lambda d: services.handling_record(actor=request.user, member=member, **d),
        _("The handling was recorded."),
    )


@login_required
@require_POST
def member_dues(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    return _post_action(
        request,
        member,
        DuesForm,
        lambda d: services.dues_record(
            actor=request.user,
            member=member,
            period_start=d["period"],
            months=d["months"],
            amount=d["amount"],
            paid_on=d["paid_on"],
        ),
        _("The dues were recorded."),
    )


@login_required
@require_POST
def transfer_request(request, pk):
    member = _member(request, pk, scoping.CHANGE)
    return _post_action(
        request,
        member,
        TransferForm,
        lambda d: services.transfer_request(
            actor=request.user, member=member, to_branch=d["to_branch"], note=d["note"]
        ),
        _("The transfer was requested; the receiving branch must accept it."),
    )


@login_required
def transfer_list(request):
    transfers = list(selectors.transfers_for(request.user)[:200])
    # Which side the user may act for: one scope look-up, no per-row query.
    scope = scoping.scope_for(request.user, scoping.CHANGE)
    rows = [
        (t, scope.covers_path(t.to_branch.path), scope.covers_path(t.from_branch.path))
        for t in transfers
    ]
    return render(
        request,
        "members/transfer_list.html",
        {"rows": rows, "reject_form": RejectForm(), "today": timezone.localdate()},
    )


def _transfer(request, pk) -> Transfer:
    return get_object_or_404(
        Transfer.objects.visible_to(request.user).select_related("member", "to_branch"), pk=pk
    )


@login_required
@require_POST
def transfer_decide(request, pk, decision):
    transfer = _transfer(request, pk)
    try:
        if decision == "accept":
            services.transfer_accept(actor=request.user, transfer=transfer)
            messages.success(
                request,
                _("%(name)s now belongs to %(org)s.")
                % {"name": transfer.member, "org": transfer.to_branch},
            )
        elif decision == "reject":
            services.transfer_reject(
                actor=request.user, transfer=transfer, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The transfer was sent back."))
        elif decision == "cancel":
            services.transfer_cancel(actor=request.user, transfer=transfer)
            messages.success(request, _("The transfer was cancelled."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("Only the receiving branch may accept or send back a transfer."))
    return redirect("members:transfers")


@login_required
def conversions_due(request):
    members = selectors.conversions_due(request.user)
    if exports.wants_xlsx(request):  # all of them, not only the 500 shown
        return exports.xlsx_response(
            request,
            rows=members,
            columns=CONVERSION_COLUMNS,
            filename=exports.dated_filename(_("Conversions due")),
            what="members.conversions",
        )
    return render(
        request,
        "members/conversions_due.html",
        {"members": members[:500], "today": timezone.localdate()},
    )


@login_required
def dues_arrears(request):
    members = selectors.dues_arrears(request.user)
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=members,
            columns=ARREARS_COLUMNS,
            filename=exports.dated_filename(_("Dues arrears")),
            what="members.arrears",
        )
    return render(request, "members/dues_arrears.html", {"members": members[:500]})


@login_required
def my_record(request):
    """The member's own page ("我的"): record (masked), dues and transfers."""
    member = (
        Member.objects.visible_to(request.user)
        .filter(user=request.user)
        .select_related("branch")
        .first()
    )
    context = {"member": member}
    if member is not None:
        context.update(
            dues=member.dues.select_related("received_by").order_by("-period_start")[:24],
            transfers=member.transfers.select_related("from_branch", "to_branch").order_by(
                "-requested_at"
            ),
        )
    return render(request, "members/my_record.html", context)


@login_required
def my_privacy(request):
    """ "谁能看到我的信息": who may see the member's record, who saw the full
    ID-card number and who changed the record."""
    return render(
        request, "members/my_privacy.html", {"privacy": selectors.privacy_of(request.user)}
    )
