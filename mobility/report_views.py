"""Pages of members' reports, lost contact and the inflow side's opinion."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import scoping
from branches.models import Organization
from config import exports
from config.forms import BootstrapFormMixin, add_service_errors
from members import services as member_services
from members.models import Handling, HandlingStage

from . import reports
from .models import Episode, EpisodeStatus, InflowOpinion, MemberReport, ReportKind

PAGE_SIZE = 50
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=ReportKind.choices)
    on = forms.DateField(label=gettext_lazy("date"), widget=DATE)
    thoughts = forms.CharField(
        label=gettext_lazy("thoughts"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    work = forms.CharField(
        label=gettext_lazy("work"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    org_life = forms.CharField(
        label=gettext_lazy("organisational life"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_region = forms.CharField(
        label=gettext_lazy("new destination (region)"), required=False, max_length=100
    )
    new_address = forms.CharField(label=gettext_lazy("new address"), required=False, max_length=200)
    new_employer = forms.CharField(
        label=gettext_lazy("new employer"), required=False, max_length=200
    )
    new_contact = forms.CharField(label=gettext_lazy("new contact"), required=False, max_length=100)


class OpinionForm(BootstrapFormMixin, forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("opinion"), widget=forms.Textarea(attrs={"rows": 4})
    )
    recommends_conversion = forms.BooleanField(
        label=gettext_lazy("recommends conversion on time"), required=False
    )
    given_on = forms.DateField(label=gettext_lazy("date"), widget=DATE)


class HandlingActionForm(forms.Form):
    episode = forms.IntegerField()
    stage = forms.ChoiceField(choices=HandlingStage.choices)
    reason = forms.CharField()
    on = forms.DateField()
    deadline = forms.DateField(required=False)


def _org(request, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)


def _episode(request, pk) -> Episode:
    return get_object_or_404(
        Episode.objects.visible_to(request.user).select_related(
            "member", "outflow_branch", "inflow_organization"
        ),
        pk=pk,
    )


@login_required
def my_reports(request):
    """The member's own page: report yearly and report changes (mobile-first)."""
    episodes = list(
        Episode.objects.visible_to(request.user)
        .filter(member__user=request.user, status=EpisodeStatus.AWAY)
        .select_related("outflow_branch", "inflow_organization")
    )
    today = timezone.localdate()
    own = (
        MemberReport.objects.visible_to(request.user)
        .filter(episode__member__user=request.user)
        .order_by("-on", "-pk")[:50]
    )
    return render(
        request,
        "mobility/reports/mine.html",
        {
            "episodes": episodes,
            "form": ReportForm(initial={"on": today, "kind": ReportKind.YEARLY}),
            "reports": own,
        },
    )


@login_required
def report_create(request, pk):
    """Submit a report for one episode: by the member or by the outflow branch."""
    episode = _episode(request, pk)
    own = episode.member.user_id == request.user.pk
    if not own:
        scoping.require(request.user, scoping.CHANGE, episode.outflow_branch)
    form = ReportForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            reports.member_report_submit(actor=request.user, episode=episode, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report was recorded."))
            if own:
                return redirect("mobility:my_reports")
            return redirect("mobility:branch_reports", episode.outflow_branch_id)
    return render(request, "mobility/reports/report_form.html", {"episode": episode, "form": form})


def _page(request, queryset, param: str):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


def _page_query(request, param: str) -> str:
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()


@login_required
def branch_reports(request, branch_pk):
    """Who reported this year, who has not, and who lost contact.

    The reports needed follow each outflow branch's policy; one who left
    after 30 June owes no report for the year yet (as the year-end report)."""
    org = _org(request, branch_pk)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        raise Http404 from None
    on = min(today, date(year, 12, 31))
    away = reports.episodes_away(request.user, org)
    episodes = reports.with_reports_needed(reports.with_yearly_reports(away, year), on)
    owing = episodes.filter(reports.owes_yearly_report_q(year))
    missing = owing.filter(yearly_reports__lt=F("reports_needed"))
    reported = episodes.filter(yearly_reports__gte=F("reports_needed"))
    not_due = episodes.exclude(reports.owes_yearly_report_q(year)).filter(
        yearly_reports__lt=F("reports_needed")
    )
    recent = (
        reports.reports_for(request.user)
        .filter(episode__outflow_branch__path__descendant_of=org.path, year=year)
        .order_by("-on", "-pk")[:50]
    )
    return render(
        request,
        "mobility/reports/branch.html",
        {
            "org": org,
            "year": year,
            "owed_from": date(year, 6, 30),
            "missing": _page(request, missing, "missing_page"),
            "missing_query": _page_query(request, "missing_page"),
            "reported": _page(request, reported, "reported_page"),
            "reported_query": _page_query(request, "reported_page"),
            "not_due": _page(request, not_due, "not_due_page"),
            "not_due_query": _page_query(request, "not_due_page"),
            "lost_count": away.filter(lost_contact_since__isnull=False).count(),
            "recent": recent,
            "can_change": scoping.can(request.user, scoping.CHANGE, org),
        },
    )


LOST_CONTACT_COLUMNS = [
    (gettext_lazy("member"), "member.name"),
    (gettext_lazy("branch"), "outflow_branch.name", 24),
    (gettext_lazy("destination (region)"), "destination_region", 20),
    (gettext_lazy("contact"), "contact", 15),
    (gettext_lazy("lost contact since"), "lost_contact_since"),
    (gettext_lazy("Criticised"), "criticised"),
]


@login_required
def lost_contact(request, branch_pk):
    """Members who lost contact; criticism first, then organisational handling."""
    org = _org(request, branch_pk)
    if request.method == "POST":
        return _record_handling(request, org)
    criticised = Handling.objects.visible_to(request.user).filter(
        member=OuterRef("member"), stage=HandlingStage.CRITICISM
    )
    episodes = reports.lost_contact(request.user, org).annotate(criticised=Exists(criticised))
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=episodes,
            columns=LOST_CONTACT_COLUMNS,
            filename=exports.dated_filename(org.name, _("Lost contact")),
            what="mobility.lost_contact",
            organization=org,
        )
    page = _page(request, episodes, "page")
    stages = [(v, label) for v, label in HandlingStage.choices if v != HandlingStage.CRITICISM]
    return render(
        request,
        "mobility/reports/lost_contact.html",
        {
            "org": org,
            "page": page,
            "episodes": page.object_list,
            "query": _page_query(request, "page"),
            "stages": stages,
            "reason": reports.LOST_CONTACT_REASON,
            "today": timezone.localdate(),
            "can_change": scoping.can(request.user, scoping.CHANGE, org),
        },
    )


def _record_handling(request, org):
    form = HandlingActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in the measure, the reason and the date."))
        return redirect("mobility:lost_contact", org.pk)
    data = form.cleaned_data
    episode = get_object_or_404(reports.lost_contact(request.user, org), pk=data["episode"])
    try:
        member_services.handling_record(
            actor=request.user,
            member=episode.member,
            stage=data["stage"],
            reason=data["reason"],
            on=data["on"],
            deadline=data["deadline"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The measure for %(name)s was recorded.") % {"name": episode.member}
        )
    return redirect("mobility:lost_contact", org.pk)


@login_required
def opinion(request, pk):
    """The inflow organisation's opinion on a probationary member's conversion.

    Episode not visible: 404; visible but not the inflow side's to answer: 403."""
    episode = _episode(request, pk)
    inflow = episode.inflow_organization
    if inflow is None or not scoping.can(request.user, scoping.CHANGE, inflow):
        raise PermissionDenied(
            _("Only the inflow organisation gives its opinion on %(name)s.")
            % {"name": episode.member}
        )
    form = OpinionForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            reports.inflow_opinion_give(actor=request.user, episode=episode, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The opinion was sent to the outflow branch."))
            return redirect("mobility:opinion", episode.pk)
    return render(
        request,
        "mobility/reports/opinion_form.html",
        {
            "episode": episode,
            "form": form,
            "opinions": InflowOpinion.objects.visible_to(request.user)
            .filter(episode=episode)
            .select_related("given_by")
            .order_by("-given_on", "-pk"),
        },
    )
