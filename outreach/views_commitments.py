"""Pages of commitments (党员承诺), the public board (承诺公示) and service posts
(设岗定责): document 2, 二（二） and 二（三）."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from branches import scoping
from branches.models import Organization
from config import exports, throttle
from config.forms import add_service_errors
from members.models import Member

from . import selectors_commitments as selectors
from . import services_commitments as services
from .forms_commitments import (
    AssignForm,
    BranchCommitmentForm,
    CommitmentForm,
    CompleteForm,
    EvaluationForm,
    NoteForm,
    PostForm,
    PostLogForm,
    ProgressForm,
)
from .models import (
    PUBLIC_COMMITMENT,
    Commitment,
    CommitmentEvaluation,
    CommitmentProgress,
    PostHolder,
    ServicePost,
)

EVALUATIONS_PER_MINUTE = 10
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _qr_svg(url: str) -> str:
    """A printable QR code of the board (as mobility/certificate_pdf.py makes them)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


# --- The branch page ---------------------------------------------------------------------


COMMITMENT_COLUMNS = [
    (gettext_lazy("Member"), "member.name"),
    (gettext_lazy("Commitment"), "content", 50),
    (gettext_lazy("To be done by"), "target_date"),
    (gettext_lazy("status"), "get_status_display"),
    (gettext_lazy("fulfilled on"), "completed_on"),
    (gettext_lazy("how it was fulfilled"), "completion_note", 40),
    (gettext_lazy("Satisfied"), "n_satisfied"),
    (gettext_lazy("Fairly satisfied"), "n_fairly"),
    (gettext_lazy("Not satisfied"), "n_unsatisfied"),
]


@login_required
def branch_commitments(request, org_pk):
    branch = _org(request, org_pk)
    year = _year(request)
    if request.method == "GET" and exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=selectors.branch_commitments_queryset(request.user, branch, year),
            columns=COMMITMENT_COLUMNS,
            filename=exports.dated_filename(branch.name, _("Members' commitments"), year),
            what="outreach.commitments",
            organization=branch,
        )
    can_change = scoping.can(request.user, scoping.CHANGE, branch)
    without = list(selectors.members_without_commitment(request.user, branch, year))
    form = None
    if can_change:
        members = services.able_members(
            Member.objects.visible_to(request.user).filter(branch=branch)
        ).order_by("name")
        form = BranchCommitmentForm(request.POST or None, members=members)
        if request.method == "POST":
            scoping.require(request.user, scoping.CHANGE, branch)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    commitment = services.commitment_create(
                        actor=request.user,
                        member=d["member"],
                        content=d["content"],
                        target_date=d["target_date"],
                        submit=True,
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("The commitment of %(name)s is entered.") % {"name": commitment.member},
                    )
                    url = reverse("outreach:commitments", args=[branch.pk])
                    return redirect(f"{url}?year={commitment.year}")
    elif request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, branch)
    commitments = selectors.branch_commitments(request.user, branch, year)
    board_url = request.build_absolute_uri(
        reverse("outreach:board", args=[selectors.board_token(branch)])
    )
    minimum, maximum = services.yearly_limits(branch, year)
    this_year = timezone.localdate().year
    return render(
        request,
        "outreach/commitments/branch.html",
        {
            "branch": branch,
            "year": year,
            "years": range(this_year + 1, this_year - 4, -1),
            "groups": selectors.by_status(commitments),
            "without": without,
            "form": form,
            "can_change": can_change,
            "board_url": board_url,
            "qr": _qr_svg(board_url) if can_change else "",
            "minimum": minimum,
            "maximum": maximum,
        },
    )


# --- One commitment --------------------------------------------------------------------


def _commitment_context(request, commitment, **forms):
    user = request.user
    is_self = commitment.member.user_id == user.pk
    can_change = scoping.can(user, scoping.CHANGE, commitment.branch)
    progress = CommitmentProgress.objects.visible_to(user).filter(commitment=commitment)
    evaluations = (
        CommitmentEvaluation.objects.visible_to(user).filter(commitment=commitment)
        if can_change
        else CommitmentEvaluation.objects.none()
    )
    status = commitment.status
    editable = status in ("draft", "returned") and (is_self or can_change)
    context = {
        "c": commitment,
        "is_self": is_self,
        "can_change": can_change,
        "progress": progress.select_related("recorded_by"),
        "evaluations": evaluations[:200],
        "edit_form": forms.get("edit_form")
        or (
            CommitmentForm(
                initial={"content": commitment.content, "target_date": commitment.target_date}
            )
            if editable
            else None
        ),
        "progress_form": forms.get("progress_form")
        or (ProgressForm() if status == "approved" and (is_self or can_change) else None),
        "complete_form": forms.get("complete_form")
        or (CompleteForm() if status == "approved" and can_change else None),
        "note_form": forms.get("note_form") or NoteForm(),
        "may_submit": editable,
        "may_decide": status == "submitted" and can_change,
        "may_withdraw": status in ("draft", "submitted", "returned", "approved")
        and (is_self or can_change),
    }
    return context


@login_required
def commitment_page(request, pk):
    commitment = selectors.commitment_detail(request.user, pk)
    forms = {}
    if request.method == "POST":
        form = CommitmentForm(request.POST)
        if form.is_valid():
            try:
                services.commitment_update(
                    actor=request.user,
                    commitment=commitment,
                    content=form.cleaned_data["content"],
                    target_date=form.cleaned_data["target_date"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The commitment is saved."))
                return redirect("outreach:commitment", pk=commitment.pk)
        forms["edit_form"] = form
    return render(
        request,
        "outreach/commitments/commitment.html",
        _commitment_context(request, commitment, **forms),
    )


STEPS = ("submit", "approve", "return", "done", "not_done", "withdraw")


@login_required
@require_POST
def commitment_step(request, pk, step):
    commitment = selectors.commitment_detail(request.user, pk)
    if step not in STEPS:
        raise Http404
    note_form = NoteForm(request.POST)
    note_form.is_valid()
    note = note_form.cleaned_data.get("note", "")
    try:
        if step == "submit":
            services.commitment_submit(actor=request.user, commitment=commitment)
        elif step == "approve":
            services.commitment_approve(actor=request.user, commitment=commitment, note=note)
        elif step == "return":
            services.commitment_return(actor=request.user, commitment=commitment, note=note)
        elif step == "withdraw":
            services.commitment_withdraw(actor=request.user, commitment=commitment, note=note)
        else:
            form = CompleteForm(request.POST)
            form.is_valid()
            d = form.cleaned_data
            try:
                services.commitment_complete(
                    actor=request.user,
                    commitment=commitment,
                    done=step == "done",
                    completed_on=d.get("completed_on"),
                    note=d.get("note", ""),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return render(
                    request,
                    "outreach/commitments/commitment.html",
                    _commitment_context(request, commitment, complete_form=form),
                    status=400,
                )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    back = request.POST.get("next", "")
    if back.startswith("/outreach/") and "//" not in back:
        return redirect(back)
    return redirect("outreach:commitment", pk=commitment.pk)


@login_required
@require_POST
def commitment_progress(request, pk):
    commitment = selectors.commitment_detail(request.user, pk)
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.progress_add(
                actor=request.user,
                commitment=commitment,
                on=d["on"],
                note=d["note"],
                evidence=d.get("evidence"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The progress is recorded."))
            return redirect("outreach:commitment", pk=commitment.pk)
    return render(
        request,
        "outreach/commitments/commitment.html",
        _commitment_context(request, commitment, progress_form=form),
        status=400,
    )


@login_required
@require_GET
def evidence_download(request, pk):
    """Serve evidence under its sniffed type, to who may see the commitment."""
    progress = get_object_or_404(
        CommitmentProgress.objects.visible_to(request.user).exclude(evidence=""), pk=pk
    )
    try:
        handle = progress.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    content_type = progress.evidence_type or "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not content_type.startswith("image/"),
        filename=progress.evidence_name or "evidence",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = EVIDENCE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    return response


@login_required
@require_POST
def evaluation_hide(request, pk):
    evaluation = get_object_or_404(
        CommitmentEvaluation.objects.visible_to(request.user).select_related("commitment"), pk=pk
    )
    services.evaluation_hide(
        actor=request.user, evaluation=evaluation, hidden=request.POST.get("show") != "1"
    )
    messages.success(request, _("Done."))
    return redirect("outreach:commitment", pk=evaluation.commitment_id)


# --- The member's own page -----------------------------------------------------------


@login_required
def my_commitments(request):
    member = (
        Member.objects.visible_to(request.user)
        .filter(user=request.user)
        .select_related("branch")
        .first()
    )
    if member is None:
        return render(request, "outreach/commitments/mine.html", {"member": None})
    form = CommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_create(
                actor=request.user,
                member=member,
                content=form.cleaned_data["content"],
                target_date=form.cleaned_data["target_date"],
                submit=request.POST.get("submit") == "1",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The commitment is saved."))
            return redirect("outreach:my_commitments")
    year = timezone.localdate().year
    minimum, maximum = services.yearly_limits(member.branch, year)
    holdings = list(selectors.holdings_of_member(request.user, member))
    held = {h.post_id for h in holdings if h.status in ("applied", "active")}
    return render(
        request,
        "outreach/commitments/mine.html",
        {
            "member": member,
            "commitments": selectors.commitments_of_member(request.user, member),
            "form": form,
            "able": services.is_able(member),
            "year": year,
            "minimum": minimum,
            "maximum": maximum,
            "holdings": holdings,
            "open_posts": [
                p for p in selectors.open_posts_for_member(request.user, member) if p.pk not in held
            ],
            "log_form": PostLogForm(initial={"on": timezone.localdate()}),
        },
        status=400 if form.is_bound else 200,
    )


# --- The public board ------------------------------------------------------------------


def _rate_limited(request) -> bool:
    return throttle.over_limit(
        "outreach-board", throttle.client_ip(request), EVALUATIONS_PER_MINUTE
    )


def board(request, token):
    """Public, no login: the branch's commitments for the masses to see and evaluate."""
    branch = selectors.branch_for_token(token)
    if branch is None:
        raise Http404(_("No such board."))
    year = _year(request)
    form = EvaluationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _rate_limited(request):
            return HttpResponse(
                _("Too many evaluations. Please wait a minute."),
                status=429,
                content_type="text/plain; charset=utf-8",
            )
        if form.is_valid():
            commitment = Commitment.objects.filter(
                pk=form.cleaned_data["commitment"], branch=branch, status__in=PUBLIC_COMMITMENT
            ).first()
            if commitment is None:
                raise Http404
            try:
                services.evaluation_add(
                    commitment=commitment,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    visitor=services.visitor_hash(throttle.client_ip(request)),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, _("Thank you for your evaluation."))
                return redirect(f"{request.path}?year={commitment.year}#c{commitment.pk}")
        else:
            status = 400
    response = render(
        request,
        "outreach/commitments/board.html",
        {
            "branch_name": branch.name,
            "year": year,
            "years": sorted(set(selectors.board_years(branch)) | {year}, reverse=True),
            "commitments": selectors.board(branch, year),
            "form": form,
            "ratings": EvaluationForm.base_fields["rating"].choices,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, no_cache=True)
    return response


# --- Service posts ---------------------------------------------------------------------


def _assign_fields(members):
    form = AssignForm(members=members, auto_id=False)
    return {"member": str(form["member"]), "since": str(form["since"])}


@login_required
def posts_page(request, org_pk):
    org = _org(request, org_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, org)
    form = PostForm(request.POST or None) if can_change else None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.post_create(
                    actor=request.user,
                    organization=org,
                    title=d["title"],
                    duties=d["duties"],
                    places=d["places"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The post is set."))
                return redirect("outreach:posts", org_pk=org.pk)
    members = (
        Member.objects.visible_to(request.user)
        .current()
        .filter(branch__path__descendant_of=org.path)
        .order_by("name")
    )
    return render(
        request,
        "outreach/commitments/posts.html",
        {
            "org": org,
            "posts": selectors.posts_of(request.user, org),
            "form": form,
            "can_change": can_change,
            # One <select> of the members, rendered once for every post (one query).
            "assign_fields": _assign_fields(members) if can_change else None,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def _post(request, pk) -> ServicePost:
    return get_object_or_404(
        ServicePost.objects.visible_to(request.user).select_related("organization"), pk=pk
    )


@login_required
def post_page(request, pk):
    post = _post(request, pk)
    can_change = scoping.can(request.user, scoping.CHANGE, post.organization)
    form = PostForm(
        request.POST or None,
        initial={"title": post.title, "duties": post.duties, "places": post.places},
    )
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, post.organization)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.post_update(
                    actor=request.user,
                    post=post,
                    title=d["title"],
                    duties=d["duties"],
                    places=d["places"],
                    active=request.POST.get("active", "1") == "1",
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The post is saved."))
                return redirect("outreach:post", pk=post.pk)
    holders = (
        PostHolder.objects.visible_to(request.user)
        .filter(post=post)
        .select_related("member")
        .order_by("status", "member__name")
    )
    return render(
        request,
        "outreach/commitments/post.html",
        {
            "post": post,
            "holders": holders,
            "logs": selectors.post_logs(request.user, post)[:200],
            "form": form if can_change else None,
            "can_change": can_change,
            "log_form": PostLogForm(initial={"on": timezone.localdate()}),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def post_assign(request, pk):
    post = _post(request, pk)
    members = Member.objects.visible_to(request.user).current()
    form = AssignForm(request.POST, members=members)
    if form.is_valid():
        try:
            services.post_assign(
                actor=request.user,
                post=post,
                member=form.cleaned_data["member"],
                since=form.cleaned_data["since"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The member is on the post."))
    else:
        scoping.require(request.user, scoping.CHANGE, post.organization)
        messages.error(request, _("Choose a member."))
    return redirect("outreach:posts", org_pk=post.organization_id)


@login_required
@require_POST
def post_apply(request, pk):
    """The member applies for an open post of their own organisation chain."""
    member = Member.objects.filter(user=request.user).select_related("branch").first()
    if member is None:
        raise Http404
    ancestors = [int(x) for x in member.branch.path.split(".")]
    post = get_object_or_404(ServicePost, pk=pk, organization_id__in=ancestors)
    try:
        services.post_apply(actor=request.user, post=post, member=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your application is sent to the party organisation."))
    return redirect("outreach:my_commitments")


HOLDER_STEPS = ("approve", "decline", "end")


@login_required
@require_POST
def holder_step(request, pk, step):
    holder = get_object_or_404(
        PostHolder.objects.visible_to(request.user).select_related("post"), pk=pk
    )
    if step not in HOLDER_STEPS:
        raise Http404
    note = request.POST.get("note", "")
    try:
        if step == "approve":
            services.holder_approve(actor=request.user, holder=holder)
        elif step == "decline":
            services.holder_decline(actor=request.user, holder=holder, note=note)
        else:
            services.holder_end(actor=request.user, holder=holder, note=note)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("outreach:posts", org_pk=holder.post.organization_id)


@login_required
@require_POST
def holder_log(request, pk):
    holder = get_object_or_404(
        PostHolder.objects.visible_to(request.user).select_related("post", "member"), pk=pk
    )
    form = PostLogForm(request.POST)
    if form.is_valid():
        try:
            services.post_log_add(
                actor=request.user,
                holder=holder,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Recorded."))
    else:
        messages.error(request, _("Give the date and what was done."))
    if holder.member.user_id == request.user.pk:
        return redirect("outreach:my_commitments")
    return redirect("outreach:post", pk=holder.post_id)
