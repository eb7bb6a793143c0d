"""Pages of assessments (document 4, 四、五). Thin: reads through selectors,
writes through services."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches import scoping
from branches.models import Organization
from config.forms import add_service_errors
from education import files

from . import scoring, selectors, services
from .forms import IndicatorForm, OutcomeForm, ReportForm, SchemeEditForm, SchemeForm, ScoreForm
from .models import AssessmentIndicator, AssessmentScheme, Score, Scorecard

PAGE_SIZE = 100
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _form_errors(request, form) -> None:
    messages.error(
        request,
        " ".join(
            f"{form.fields[n].label if n in form.fields else ''}: {e}".lstrip(": ")
            for n, errs in form.errors.items()
            for e in errs
        ),
    )


@login_required
def schemes(request, org_pk):
    """The assessing organisation's schemes, one a year; the form to draft a new one."""
    org = _org(request, org_pk)
    can_assess = org.kind in services.ASSESSING_KINDS and scoping.can(
        request.user, scoping.CHANGE, org
    )
    form = None
    if can_assess:
        if request.method == "POST":
            form = SchemeForm(request.POST)
            if form.is_valid():
                try:
                    scheme = services.scheme_create(
                        actor=request.user, organization=org, **form.cleaned_data
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("The scheme was drafted; add its indicators."))
                    return redirect("assessments:scheme", pk=scheme.pk)
        else:
            form = SchemeForm()
    elif request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        messages.error(request, _("%(org)s does not assess organisations below it.") % {"org": org})
        return redirect("assessments:schemes", org_pk=org.pk)
    page = Paginator(selectors.schemes_of(request.user, org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "accountability/assessments/schemes.html", {"org": org, "page": page, "form": form}
    )


def _scheme(request, pk) -> AssessmentScheme:
    return get_object_or_404(
        AssessmentScheme.objects.visible_to(request.user).select_related("organization"), pk=pk
    )


@login_required
@require_GET
def scheme_page(request, pk):
    """The scheme: indicators (editable while a draft) and all its scorecards."""
    scheme = _scheme(request, pk)
    sort = request.GET.get("sort", "total")
    if sort not in selectors.SORTS:
        sort = "total"
    scorecards = selectors.scorecards_of(request.user, scheme, sort)
    page = Paginator(scorecards, PAGE_SIZE).get_page(request.GET.get("page"))
    can_assess = scoping.can(request.user, scoping.CHANGE, scheme.organization)
    editing = can_assess and scheme.is_draft
    return render(
        request,
        "accountability/assessments/scheme.html",
        {
            "scheme": scheme,
            "org": scheme.organization,
            "indicators": list(scheme.indicators.all()),
            "weight_total": selectors.weight_total(scheme),
            "page": page,
            "sort": sort,
            "grades": selectors.grade_counts(scorecards),
            "can_assess": can_assess,
            "rule": scoring.RULE,
            "indicator_form": IndicatorForm() if editing else None,
            "edit_form": SchemeEditForm(
                initial={
                    "title": scheme.title,
                    "grade_good": scheme.grade_good,
                    "grade_fairly_good": scheme.grade_fairly_good,
                    "grade_average": scheme.grade_average,
                }
            )
            if editing
            else None,
        },
    )


@login_required
@require_POST
def scheme_step(request, pk, step):
    scheme = _scheme(request, pk)
    if step not in ("edit", "indicator", "publish"):
        raise Http404
    scoping.require(request.user, scoping.CHANGE, scheme.organization)
    try:
        if step == "publish":
            opened = services.scheme_publish(actor=request.user, scheme=scheme)
            messages.success(
                request,
                _("The scheme is published; %(n)s scorecards were opened.") % {"n": opened},
            )
        else:
            form_class = SchemeEditForm if step == "edit" else IndicatorForm
            form = form_class(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect("assessments:scheme", pk=scheme.pk)
            if step == "edit":
                services.scheme_update(actor=request.user, scheme=scheme, **form.cleaned_data)
            else:
                services.indicator_add(actor=request.user, scheme=scheme, **form.cleaned_data)
            messages.success(request, _("Saved."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("assessments:scheme", pk=scheme.pk)


@login_required
@require_POST
def indicator_delete(request, pk):
    indicator = get_object_or_404(
        AssessmentIndicator.objects.visible_to(request.user).select_related("scheme"), pk=pk
    )
    try:
        services.indicator_remove(actor=request.user, indicator=indicator)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The indicator was removed."))
    return redirect("assessments:scheme", pk=indicator.scheme_id)


def _scorecard(request, pk) -> Scorecard:
    return get_object_or_404(
        Scorecard.objects.visible_to(request.user).select_related(
            "scheme",
            "scheme__organization",
            "organization",
            "secretary",
            "rectification",
            "finalised_by",
            "report_by",
        ),
        pk=pk,
    )


@login_required
@require_GET
def scorecard_page(request, pk):
    """The scorecard: computed indicators with formula and source, manual scores, the
    outcome and the secretary's report."""
    scorecard = _scorecard(request, pk)
    scheme = scorecard.scheme
    can_assess = scoping.can(request.user, scoping.CHANGE, scheme.organization)
    can_report = scoping.can(request.user, scoping.CHANGE, scorecard.organization)
    scores = list(selectors.scores_of(scorecard))
    points = [s.points for s in scores if s.points is not None]
    return render(
        request,
        "accountability/assessments/scorecard.html",
        {
            "scorecard": scorecard,
            "scheme": scheme,
            "scores": scores,
            "running_total": scoring.total_of(points),
            "can_assess": can_assess,
            "can_report": can_report,
            "can_see_scheme": scoping.can(request.user, scoping.VIEW, scheme.organization),
            "rule": scoring.RULE,
            "outcome_form": OutcomeForm(
                initial={"deadline": timezone.localdate() + timedelta(days=90)}
            ),
            "report_form": ReportForm(
                initial={
                    "on": scorecard.report_on or timezone.localdate(),
                    "text": scorecard.report_text,
                }
            ),
        },
    )


@login_required
@require_POST
def scorecard_step(request, pk, step):
    scorecard = _scorecard(request, pk)
    if step not in ("recompute", "score", "finalise", "outcome", "report"):
        raise Http404
    if step == "report":
        scoping.require(request.user, scoping.CHANGE, scorecard.organization)
    else:
        services.require_assessor(request.user, scorecard)
    form_class = {"score": ScoreForm, "outcome": OutcomeForm, "report": ReportForm}.get(step)
    data = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("assessments:scorecard", pk=scorecard.pk)
        data = dict(form.cleaned_data)
    try:
        if step == "recompute":
            services.scorecard_recompute(actor=request.user, scorecard=scorecard)
        elif step == "score":
            indicator = AssessmentIndicator.objects.filter(
                pk=data.pop("indicator"), scheme_id=scorecard.scheme_id
            ).first()
            services.score_manual(
                actor=request.user, scorecard=scorecard, indicator=indicator, **data
            )
        elif step == "finalise":
            services.scorecard_finalise(actor=request.user, scorecard=scorecard)
        elif step == "outcome":
            services.scorecard_outcome(actor=request.user, scorecard=scorecard, **data)
        else:
            services.report_record(actor=request.user, scorecard=scorecard, **data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("assessments:scorecard", pk=scorecard.pk)


@login_required
@require_GET
def evidence(request, pk):
    """Serve a score's evidence file under its sniffed type; never run by the browser."""
    score = get_object_or_404(Score.objects.visible_to(request.user).exclude(evidence=""), pk=pk)
    try:
        handle = score.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle,
        content_type=score.content_type,
        as_attachment=not score.content_type.startswith("image/"),
        filename=files.download_name(score.original_name, score.extension),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = EVIDENCE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    return response


@login_required
@require_GET
def cadres(request, org_pk):
    """Assessment results as input to cadre selection: the secretaries assessed by the
    organisation, with their grades over the years (document 4, 五)."""
    org = _org(request, org_pk)
    years, rows = selectors.cadre_results(request.user, org)
    return render(
        request,
        "accountability/assessments/cadres.html",
        {"org": org, "years": years, "rows": rows},
    )
