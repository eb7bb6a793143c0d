"""Pages of the certificate workflow: branch, episode, check-in, inflow organisation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config import throttle
from config.forms import add_service_errors
from members.models import Member

from . import cycles, selectors, services
from .forms import (
    CancelForm,
    CheckInForm,
    CheckInLookupForm,
    DuesEntryForm,
    DuesPeriodForm,
    EpisodeForm,
    OrgLifeForm,
    ReturnForm,
    ReviewForm,
)
from .models import ACTIVE_CERTIFICATE, Certificate, CertificateStatus, Episode, EpisodeStatus


def _active_prefetch(user):
    return Prefetch(
        "certificates",
        queryset=Certificate.objects.visible_to(user)
        .filter(status__in=ACTIVE_CERTIFICATE)
        .annotate(last_review=Max("reviews__reviewed_on")),
        to_attr="active_certificates",
    )


def _steps(user, episode, certificate, committee=None) -> set[str]:
    """The next legal steps this user may take (no query beyond the cached scope)."""
    scope = scoping.scope_for(user, scoping.CHANGE)
    outflow = scope.covers_path(episode.outflow_branch.path)
    inflow = bool(
        episode.inflow_organization_id and scope.covers_path(episode.inflow_organization.path)
    )
    steps = set()
    if episode.status != EpisodeStatus.AWAY:
        return steps
    if outflow:
        steps.add("dues_period")
    if certificate is None:  # never issued, or cancelled: close the episode itself
        return steps | {"request", "episode_close"} if outflow else steps
    status = certificate.status
    if status == CertificateStatus.REQUESTED:
        committee = committee or services.grassroots_committee_of(episode.outflow_branch)
        if scope.covers_path(committee.path):
            steps.add("stamp")
    if status == CertificateStatus.STAMPED and outflow:
        steps.add("issue")
    if status in (CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN):
        if outflow or inflow:
            steps.add("review")
        if outflow:
            steps.add("return")
    if status == CertificateStatus.CHECKED_IN and inflow:
        steps.add("entries")
    if outflow:
        steps.add("cancel")
    return steps


@login_required
def branch_page(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    can_change = scoping.can(request.user, scoping.CHANGE, branch)
    members = (
        Member.objects.visible_to(request.user).current().filter(branch=branch).order_by("name")
    )
    form = EpisodeForm(request.POST or None, members=members)
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, branch)
        if form.is_valid():
            d = form.cleaned_data
            try:
                episode = services.episode_create(
                    actor=request.user,
                    member=d["member"],
                    reason=d["reason"],
                    destination_region=d["destination_region"],
                    contact=d["contact"],
                    reported_on=d["reported_on"],
                    started_on=d["started_on"],
                    expected_return=d["expected_return"],
                    destination_employer=d["destination_employer"],
                    destination_address=d["destination_address"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s is registered as away.") % {"name": episode.member}
                )
                return redirect("mobility:episode", pk=episode.pk)
    episodes = list(
        Episode.objects.visible_to(request.user)
        .filter(outflow_branch=branch, status=EpisodeStatus.AWAY)
        .select_related("member", "outflow_branch", "inflow_organization")
        .prefetch_related(_active_prefetch(request.user))
        .order_by("member__name")
    )
    committee = services.grassroots_committee_of(branch)
    cycles.with_review_due(c for e in episodes for c in e.active_certificates)
    rows = []
    for e in episodes:
        cert = e.active_certificates[0] if e.active_certificates else None
        rows.append((e, cert, _steps(request.user, e, cert, committee)))
    initial_member = request.GET.get("member")
    if initial_member and not form.is_bound:
        form.initial["member"] = initial_member
    return render(
        request,
        "mobility/branch.html",
        {"branch": branch, "rows": rows, "form": form if can_change else None},
    )


def _episode(request, pk) -> Episode:
    return get_object_or_404(selectors.episodes_visible(request.user), pk=pk)


@login_required
def episode_page(request, pk):
    episode = _episode(request, pk)
    certificates = list(
        Certificate.objects.visible_to(request.user)
        .filter(episode=episode)
        .select_related("checked_in_org", "filed_with")
    )
    active = next((c for c in certificates if c.status in ACTIVE_CERTIFICATE), None)
    today = timezone.localdate()
    return render(
        request,
        "mobility/episode.html",
        {
            "episode": episode,
            "certificate": active,
            "certificates": certificates,
            "steps": _steps(request.user, episode, active),
            "timeline": selectors.episode_timeline(episode),
            "review_form": ReviewForm(initial={"reviewed_on": today}),
            "return_form": ReturnForm(initial={"returned_on": today}),
            "cancel_form": CancelForm(),
            "dues_period_form": DuesPeriodForm(
                initial={
                    "quarterly": episode.quarterly_dues,
                    "quarterly_dues_reason": episode.quarterly_dues_reason,
                }
            ),
            "org_life_form": OrgLifeForm(initial={"on": today}),
            "dues_form": DuesEntryForm(
                initial={"period_start": today.replace(day=1), "paid_on": today, "months": 1}
            ),
        },
    )


@login_required
@require_POST
def episode_request(request, pk):
    episode = _episode(request, pk)
    try:
        services.certificate_request(actor=request.user, episode=episode)
        messages.success(request, _("The certificate was requested."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("mobility:episode", pk=episode.pk)


@login_required
@require_POST
def episode_close(request, pk, step):
    """Return or cancel an episode that has no certificate in use."""
    episode = _episode(request, pk)
    if step not in ("return", "cancel"):
        raise Http404
    form = (ReturnForm if step == "return" else CancelForm)(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("mobility:episode", pk=episode.pk)
    d = form.cleaned_data
    try:
        if step == "return":
            services.episode_return(
                actor=request.user,
                episode=episode,
                returned_on=d["returned_on"],
                review=d["review"],
            )
        else:
            services.episode_cancel(actor=request.user, episode=episode, reason=d["reason"])
        messages.success(request, _("Done: %(episode)s.") % {"episode": episode.member})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("mobility:episode", pk=episode.pk)


@login_required
@require_POST
def episode_dues_period(request, pk):
    """Let one member pay dues quarterly, or take it back (outflow branch)."""
    episode = _episode(request, pk)
    form = DuesPeriodForm(request.POST)
    if form.is_valid():
        try:
            services.episode_set_dues_period(
                actor=request.user,
                episode=episode,
                quarterly=form.cleaned_data["quarterly"],
                reason=form.cleaned_data["quarterly_dues_reason"],
            )
            messages.success(request, _("The dues period was saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("mobility:episode", pk=episode.pk)


STEP_FORMS = {"review": ReviewForm, "return": ReturnForm, "cancel": CancelForm}


@login_required
@require_POST
def certificate_step(request, pk, step):
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)
    if step not in ("stamp", "issue", "review", "return", "cancel"):
        raise Http404
    form = STEP_FORMS[step](request.POST) if step in STEP_FORMS else None
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("mobility:episode", pk=certificate.episode_id)
    d = form.cleaned_data if form else {}
    user = request.user
    try:
        if step == "stamp":
            services.certificate_stamp(actor=user, certificate=certificate)
        elif step == "issue":
            certificate = services.certificate_issue(actor=user, certificate=certificate)
        elif step == "review":
            services.certificate_review(
                actor=user,
                certificate=certificate,
                year=d["reviewed_on"].year,
                reviewed_on=d["reviewed_on"],
                notes=d["notes"],
            )
        elif step == "return":
            services.certificate_return(
                actor=user,
                certificate=certificate,
                returned_on=d["returned_on"],
                review=d["review"],
            )
        else:
            services.certificate_cancel(actor=user, certificate=certificate, reason=d["reason"])
        messages.success(request, _("Done: %(cert)s.") % {"cert": certificate})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("mobility:episode", pk=certificate.episode_id)


@login_required
@require_POST
def certificate_entry(request, pk, kind):
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)
    if kind not in ("org_life", "dues"):
        raise Http404
    form = (OrgLifeForm if kind == "org_life" else DuesEntryForm)(request.POST)
    back = request.POST.get("next") or ""
    target = redirect(back) if back.startswith("/mobility/") else None
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return target or redirect("mobility:episode", pk=certificate.episode_id)
    d = form.cleaned_data
    try:
        if kind == "org_life":
            services.entry_org_life(
                actor=request.user,
                certificate=certificate,
                on=d["on"],
                description=d["description"],
            )
        else:
            services.entry_dues(
                actor=request.user,
                certificate=certificate,
                period_start=d["period_start"],
                months=d["months"],
                amount=d["amount"],
                paid_on=d["paid_on"],
            )
        messages.success(request, _("The entry was recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return target or redirect("mobility:episode", pk=certificate.episode_id)


def _writable_grassroots(user):
    return (
        Organization.objects.visible_to(user, scoping.CHANGE)
        .filter(kind__in=services.INFLOW_KINDS, dissolved__isnull=True)
        .order_by("path")
    )


LOOKUP_LIMIT = 30  # certificate look-ups per user and minute


def _lookups_exceeded(user) -> bool:
    """A fixed one-minute window per user: numbers are sequential, codes are not."""
    return throttle.over_limit("mobility-check-in", user.pk, LOOKUP_LIMIT)


@login_required
def check_in(request):
    """The inflow side looks a certificate up by its number and verification code
    (both on the paper certificate), checks the particulars, then checks it in."""
    organizations = _writable_grassroots(request.user)
    if not organizations.exists():
        raise Http404
    lookup = CheckInLookupForm(request.GET or None)
    certificate = None
    form = None
    if request.method == "POST":
        form = CheckInForm(request.POST, organizations=organizations, auto_id="ci_%s")
        limited = _lookups_exceeded(request.user)
        if limited:
            form.add_error(None, _("Too many lookups. Please wait a minute."))
        elif form.is_valid():
            d = form.cleaned_data
            try:
                cert = services.certificate_check_in(
                    actor=request.user,
                    number=d["number"],
                    code=d["code"],
                    inflow_organization=d["inflow_organization"],
                    basis=d["basis"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is checked in.") % {"name": cert.member})
                return redirect("mobility:inflow", org_pk=cert.checked_in_org_id)
        if not limited:  # show the particulars again beside the errors
            cleaned = getattr(form, "cleaned_data", {})
            certificate = services.issued_certificate(
                cleaned.get("number", ""), cleaned.get("code", "")
            )
    elif lookup.is_valid():
        if _lookups_exceeded(request.user):
            lookup.add_error(None, _("Too many lookups. Please wait a minute."))
        else:
            d = lookup.cleaned_data
            certificate = services.issued_certificate(d["number"], d["code"])
            if certificate is None or certificate.status != CertificateStatus.ISSUED:
                certificate = None
                lookup.add_error(
                    "number",
                    _("No issued certificate has this number and verification code."),
                )
            else:
                form = CheckInForm(
                    auto_id="ci_%s",
                    initial={
                        "number": certificate.number,
                        "code": certificate.verification_code,
                    },
                    organizations=organizations,
                )
    if certificate is not None and certificate.status != CertificateStatus.ISSUED:
        certificate = None
    return render(
        request,
        "mobility/check_in.html",
        {"lookup": lookup, "certificate": certificate, "form": form},
    )


@login_required
def inflow_page(request, org_pk):
    organization = get_object_or_404(
        Organization.objects.visible_to(request.user, scoping.CHANGE), pk=org_pk
    )
    certificates = list(
        Certificate.objects.visible_to(request.user)
        .filter(status=CertificateStatus.CHECKED_IN, episode__inflow_organization=organization)
        .select_related("member", "episode", "episode__outflow_branch")
        .order_by("member__name")
    )
    today = timezone.localdate()
    for c in certificates:  # one pair of forms a row, with ids of their own
        c.org_life_form = OrgLifeForm(initial={"on": today}, auto_id=f"id_c{c.pk}_%s")
        c.dues_form = DuesEntryForm(
            initial={"period_start": today.replace(day=1), "paid_on": today, "months": 1},
            auto_id=f"id_c{c.pk}_%s",
        )
    return render(
        request,
        "mobility/inflow.html",
        {"organization": organization, "certificates": certificates},
    )
