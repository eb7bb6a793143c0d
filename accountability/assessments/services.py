"""Writes of assessments (document 4, 四、五: 考核评价, 述职).

Keyword-only, atomic, scope checked inside the transaction after locking the
row, under a pghistory context naming the actor and the step.

Who does what: the assessing organisation (CHANGE on the scheme's
organisation) drafts and publishes the scheme, recomputes and scores the
scorecards, finalises them and decides the outcome; the assessed
organisation (CHANGE on the scorecard's organisation) only reads its
scorecard and records its secretary's report (述职). The assessed side gets
a 403 with the reason when it tries an assessor's step.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import figures
from accountability import services as rectification_services
from accountability.models import RectificationStatus, SourceKind
from branches import scoping
from branches.models import Organization, OrgKind, RoleAssignment, User
from education import files

from . import scoring
from .models import (
    AssessmentIndicator,
    AssessmentIndicatorKind,
    AssessmentOutcome,
    AssessmentScheme,
    AssessmentSchemeStatus,
    Score,
    Scorecard,
    ScorecardStatus,
)

EVIDENCE_TYPES = (files.JPEG, files.PNG, files.PDF)
# Kinds assessed by the organisation above: committees and department groups, not branches.
ASSESSED_KINDS = (
    OrgKind.LOCAL_COMMITTEE,
    OrgKind.DEPARTMENT_GROUP,
    OrgKind.DEPARTMENT_COMMITTEE,
    OrgKind.GRASSROOTS_COMMITTEE,
)
ASSESSING_KINDS = (OrgKind.LOCAL_COMMITTEE, OrgKind.DEPARTMENT_GROUP, OrgKind.DEPARTMENT_COMMITTEE)
HUNDRED = Decimal(100)


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _decimal(value, field: str, message: str) -> Decimal:
    if value is None or value == "":
        raise ValidationError({field: message})
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: message}) from None
    if not number.is_finite():
        raise ValidationError({field: message})
    return number


def _lock_scheme(scheme: AssessmentScheme) -> AssessmentScheme:
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    scheme.organization = Organization.objects.get(pk=scheme.organization_id)
    return scheme


def _lock_scorecard(scorecard: Scorecard) -> Scorecard:
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    scorecard.scheme = AssessmentScheme.objects.select_related("organization").get(
        pk=scorecard.scheme_id
    )
    scorecard.organization = Organization.objects.get(pk=scorecard.organization_id)
    return scorecard


def _require_draft(scheme: AssessmentScheme) -> None:
    if not scheme.is_draft:
        raise ValidationError(
            {"status": _("The scheme is published; its indicators can no longer change.")}
        )


def require_assessor(actor: User, scorecard: Scorecard) -> None:
    """Scoring, finalising and the outcome belong to the assessing organisation; the
    assessed side sees the scorecard, so it gets a 403 with the reason, not a 404."""
    assessor = scorecard.scheme.organization
    if not scoping.can(actor, scoping.CHANGE, assessor) and scoping.can(
        actor, scoping.VIEW, scorecard.organization
    ):
        raise PermissionDenied(
            _("Only %(assessor)s scores this assessment.") % {"assessor": assessor}
        )
    scoping.require(actor, scoping.CHANGE, assessor)


def _require_open(scorecard: Scorecard) -> None:
    if not scorecard.is_open:
        raise ValidationError({"status": _("The scorecard is finalised; it can no longer change.")})


def _thresholds(good, fairly_good, average) -> dict:
    values = {
        "grade_good": _decimal(good, "grade_good", _("Give the lowest total graded “good”.")),
        "grade_fairly_good": _decimal(
            fairly_good, "grade_fairly_good", _("Give the lowest total graded “fairly good”.")
        ),
        "grade_average": _decimal(
            average, "grade_average", _("Give the lowest total graded “average”.")
        ),
    }
    if values["grade_good"] > HUNDRED:
        raise ValidationError({"grade_good": _("The thresholds are at most 100 points.")})
    if not (values["grade_good"] > values["grade_fairly_good"] > values["grade_average"] > 0):
        raise ValidationError(
            {
                "grade_fairly_good": _(
                    "The thresholds go down: “good” above “fairly good” above “average” above 0."
                )
            }
        )
    return values


@transaction.atomic
def scheme_create(
    *,
    actor: User,
    organization: Organization,
    year: int,
    title: str,
    grade_good=Decimal(90),
    grade_fairly_good=Decimal(80),
    grade_average=Decimal(60),
) -> AssessmentScheme:
    """The assessing organisation drafts its scheme for a year."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    scoping.require(actor, scoping.CHANGE, org)
    if org.kind not in ASSESSING_KINDS:
        raise ValidationError(
            {"organization": _("%(org)s does not assess organisations below it.") % {"org": org}}
        )
    if not year or year < 2000 or year > timezone.localdate().year + 1:
        raise ValidationError({"year": _("Give a year from 2000 to next year.")})
    if AssessmentScheme.objects.filter(organization=org, year=year).exists():
        raise ValidationError(
            {"year": _("%(org)s already has a scheme for %(year)s.") % {"org": org, "year": year}}
        )
    title = _required(title, "title", _("Give the scheme a title."))
    with _audit(actor, "assessments.scheme_create"):
        return AssessmentScheme.objects.create(
            organization=org,
            year=year,
            title=title[:200],
            created_by=actor,
            **_thresholds(grade_good, grade_fairly_good, grade_average),
        )


@transaction.atomic
def scheme_update(
    *,
    actor: User,
    scheme: AssessmentScheme,
    title: str,
    grade_good,
    grade_fairly_good,
    grade_average,
) -> AssessmentScheme:
    """Rename the draft or change its grade thresholds."""
    scheme = _lock_scheme(scheme)
    scoping.require(actor, scoping.CHANGE, scheme.organization)
    _require_draft(scheme)
    scheme.title = _required(title, "title", _("Give the scheme a title."))[:200]
    for field, value in _thresholds(grade_good, grade_fairly_good, grade_average).items():
        setattr(scheme, field, value)
    with _audit(actor, "assessments.scheme_update"):
        scheme.save()
    return scheme


@transaction.atomic
def indicator_add(
    *,
    actor: User,
    scheme: AssessmentScheme,
    name: str,
    kind: str,
    weight,
    figure_key: str = "",
    target=None,
    guidance: str = "",
) -> AssessmentIndicator:
    """Add an indicator to a draft scheme."""
    scheme = _lock_scheme(scheme)
    scoping.require(actor, scoping.CHANGE, scheme.organization)
    _require_draft(scheme)
    name = _required(name, "name", _("Name the indicator."))
    if kind not in AssessmentIndicatorKind.values:
        raise ValidationError({"kind": _("Choose computed or manual.")})
    weight = _decimal(weight, "weight", _("Give the indicator's weight in points."))
    if weight <= 0 or weight > HUNDRED:
        raise ValidationError({"weight": _("The weight is more than 0 and at most 100 points.")})
    if weight != weight.quantize(scoring.CENT):
        raise ValidationError({"weight": _("Weights have at most two decimals.")})
    if kind == AssessmentIndicatorKind.COMPUTED:
        if figure_key not in figures.FIGURES:
            raise ValidationError(
                {"figure_key": _("Choose the figure the indicator is computed from.")}
            )
        target = _decimal(target, "target", _("Give the target the figure must reach."))
        if target <= 0:
            raise ValidationError({"target": _("The target is more than 0.")})
    else:
        figure_key, target = "", None
    position = scheme.indicators.count() + 1
    with _audit(actor, "assessments.indicator_add"):
        return AssessmentIndicator.objects.create(
            scheme=scheme,
            position=position,
            name=name[:200],
            kind=kind,
            figure_key=figure_key,
            target=target,
            weight=weight,
            guidance=(guidance or "").strip(),
        )


@transaction.atomic
def indicator_remove(*, actor: User, indicator: AssessmentIndicator) -> None:
    scheme = _lock_scheme(indicator.scheme)
    scoping.require(actor, scoping.CHANGE, scheme.organization)
    _require_draft(scheme)
    with _audit(actor, "assessments.indicator_remove"):
        AssessmentIndicator.objects.filter(pk=indicator.pk, scheme=scheme).delete()


def assessed_organizations(scheme: AssessmentScheme):
    """The committees and department groups directly below the assessing organisation."""
    return Organization.objects.filter(
        parent_id=scheme.organization_id, kind__in=ASSESSED_KINDS, dissolved__isnull=True
    ).order_by("path")


def secretary_of(organization: Organization, year: int):
    """The member who was secretary (first responsible person) of the organisation at the
    end of the year (or today, during the year), from the role assignments; None if unknown."""
    from members.models import Member

    on = min(date(year, 12, 31), timezone.localdate())
    user_ids = (
        RoleAssignment.objects.active(on)
        .filter(organization=organization, role="secretary")
        .order_by("-valid_from", "-pk")
        .values_list("user_id", flat=True)
    )
    for user_id in user_ids:
        member = Member.objects.filter(user_id=user_id).first()
        if member is not None:
            return member
    return None


def _compute(scorecard: Scorecard, indicators) -> None:
    now = timezone.now()
    year = scorecard.scheme.year
    for indicator in indicators:
        if indicator.kind != AssessmentIndicatorKind.COMPUTED:
            continue
        if indicator.figure_key not in figures.FIGURES:
            raise ValidationError(
                {
                    "figure_key": _("The figure of “%(indicator)s” no longer exists.")
                    % {"indicator": indicator.name}
                }
            )
        found = figures.value_of(indicator.figure_key, scorecard.organization, year)
        value = Decimal(str(found.value)).quantize(scoring.CENT)
        Score.objects.update_or_create(
            scorecard=scorecard,
            indicator=indicator,
            defaults={
                "value": value,
                "denominator": None
                if found.denominator is None
                else Decimal(str(found.denominator)).quantize(scoring.CENT),
                "formula": str(found.figure.formula),
                "source_url": (found.url or "")[:300],
                "computed_at": now,
                "points": scoring.computed_points(indicator.weight, value, indicator.target),
            },
        )


@transaction.atomic
def scheme_publish(*, actor: User, scheme: AssessmentScheme) -> int:
    """Freeze the scheme (weights must total 100) and open a scorecard, with its computed
    indicators filled in, for each organisation directly below. Returns how many opened."""
    scheme = _lock_scheme(scheme)
    scoping.require(actor, scoping.CHANGE, scheme.organization)
    _require_draft(scheme)
    indicators = list(scheme.indicators.all())
    if not indicators:
        raise ValidationError({"indicators": _("Add the indicators first.")})
    total = scoring.total_of(i.weight for i in indicators)
    if total != HUNDRED:
        raise ValidationError(
            {
                "indicators": _("The weights total %(total)s points; they must total 100.")
                % {"total": total}
            }
        )
    targets = list(assessed_organizations(scheme))
    if not targets:
        raise ValidationError(
            {
                "indicators": _("There is no committee below %(org)s to assess.")
                % {"org": scheme.organization}
            }
        )
    scheme.status = AssessmentSchemeStatus.PUBLISHED
    scheme.published_at = timezone.now()
    with _audit(actor, "assessments.scheme_publish"):
        scheme.save(update_fields=["status", "published_at"])
        created = 0
        for org in targets:
            scorecard, new = Scorecard.objects.get_or_create(
                scheme=scheme,
                organization=org,
                defaults={"secretary": secretary_of(org, scheme.year)},
            )
            scorecard.scheme = scheme
            scorecard.organization = org
            Score.objects.bulk_create(
                [Score(scorecard=scorecard, indicator=i) for i in indicators],
                ignore_conflicts=True,
            )
            _compute(scorecard, indicators)
            created += new
    return created


@transaction.atomic
def scorecard_recompute(*, actor: User, scorecard: Scorecard) -> Scorecard:
    """Fill the computed indicators again from today's figures (until finalised)."""
    scorecard = _lock_scorecard(scorecard)
    require_assessor(actor, scorecard)
    _require_open(scorecard)
    with _audit(actor, "assessments.scorecard_recompute"):
        _compute(scorecard, scorecard.scheme.indicators.all())
        if scorecard.secretary_id is None:
            secretary = secretary_of(scorecard.organization, scorecard.scheme.year)
            if secretary is not None:
                scorecard.secretary = secretary
                scorecard.save(update_fields=["secretary"])
    return scorecard


def _store_evidence(score: Score, uploaded_file) -> None:
    name, size, found = files.checked_upload(uploaded_file, field="evidence", types=EVIDENCE_TYPES)
    score.token = secrets.token_hex(16)
    score.extension = found.extension
    score.original_name = name
    score.content_type = found.content_type
    score.size = size
    score.evidence.save(score.token + found.extension, uploaded_file, save=False)


@transaction.atomic
def score_manual(
    *,
    actor: User,
    scorecard: Scorecard,
    indicator: AssessmentIndicator,
    points,
    comment: str = "",
    evidence=None,
) -> Score:
    """The assessor scores a manual indicator: 0 to its weight, with a comment and evidence."""
    scorecard = _lock_scorecard(scorecard)
    require_assessor(actor, scorecard)
    _require_open(scorecard)
    if indicator is None or indicator.scheme_id != scorecard.scheme_id:
        raise ValidationError({"indicator": _("Choose an indicator of this scheme.")})
    if indicator.kind != AssessmentIndicatorKind.MANUAL:
        raise ValidationError(
            {
                "indicator": _("“%(indicator)s” is computed from its figure, not scored by hand.")
                % {"indicator": indicator.name}
            }
        )
    points = _decimal(
        points, "points", _("Give the score of “%(indicator)s”.") % {"indicator": indicator.name}
    )
    if points < 0 or points > indicator.weight or points != points.quantize(scoring.CENT):
        raise ValidationError(
            {
                "points": _("The score of “%(indicator)s” is from 0 to %(weight)s points.")
                % {"indicator": indicator.name, "weight": indicator.weight}
            }
        )
    score, _created = Score.objects.select_for_update().get_or_create(
        scorecard=scorecard, indicator=indicator
    )
    old_file = score.evidence.name if score.evidence else ""
    score.points = points
    score.comment = (comment or "").strip()
    score.scored_by = actor
    score.scored_at = timezone.now()
    if evidence:
        _store_evidence(score, evidence)
    try:
        with _audit(actor, "assessments.score_manual"), transaction.atomic():
            score.save()
    except Exception:
        if evidence and score.evidence:
            score.evidence.storage.delete(score.evidence.name)
        raise
    if evidence and old_file:
        transaction.on_commit(lambda: score.evidence.storage.delete(old_file))
    return score


@transaction.atomic
def scorecard_finalise(*, actor: User, scorecard: Scorecard) -> Scorecard:
    """Store the total and the grade; every manual indicator must be scored."""
    scorecard = _lock_scorecard(scorecard)
    require_assessor(actor, scorecard)
    _require_open(scorecard)
    scores = {s.indicator_id: s for s in scorecard.scores.all()}
    missing = [
        i.name
        for i in scorecard.scheme.indicators.all()
        if i.pk not in scores or scores[i.pk].points is None
    ]
    if missing:
        raise ValidationError(
            {"points": _("Not scored yet: %(names)s.") % {"names": "、".join(missing)}}
        )
    scorecard.total = scoring.total_of(s.points for s in scores.values())
    scorecard.grade = scoring.grade_for(scorecard.total, scorecard.scheme)
    scorecard.status = ScorecardStatus.FINAL
    scorecard.finalised_at = timezone.now()
    scorecard.finalised_by = actor
    with _audit(actor, "assessments.scorecard_finalise"):
        scorecard.save()
    return scorecard


def _source_ref(scorecard: Scorecard) -> str:
    return f"{scorecard.scheme.title}（考核 #{scorecard.pk}）"[:200]


@transaction.atomic
def scorecard_outcome(
    *,
    actor: User,
    scorecard: Scorecard,
    outcome: str,
    note: str = "",
    required: str = "",
    deadline: date | None = None,
) -> Scorecard:
    """Decide the outcome of a finalised scorecard. Rectification issues one order
    (限期整改) through the rectification services and links it; asking again changes nothing."""
    scorecard = _lock_scorecard(scorecard)
    require_assessor(actor, scorecard)
    if scorecard.is_open:
        raise ValidationError({"outcome": _("Finalise the scorecard before deciding the outcome.")})
    if outcome not in AssessmentOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    order = scorecard.rectification
    if order is not None and order.status != RectificationStatus.CANCELLED:
        if outcome == AssessmentOutcome.RECTIFICATION:
            return scorecard  # already ordered: one order only
        raise ValidationError(
            {
                "outcome": _(
                    "A rectification order was issued; cancel it on its page before choosing "
                    "another outcome."
                )
            }
        )
    note = (note or "").strip()
    if outcome == AssessmentOutcome.RECTIFICATION:
        required = _required(required, "required", _("Say what must be rectified."))
        if deadline is None:
            raise ValidationError({"deadline": _("Give the deadline of the rectification.")})
        problem = _("Assessed “%(grade)s” (%(total)s points) in %(year)s.") % {
            "grade": scorecard.get_grade_display(),
            "total": scorecard.total,
            "year": scorecard.scheme.year,
        }
        order = rectification_services.order_issue(
            actor=actor,
            issued_by_org=scorecard.scheme.organization,
            organization=scorecard.organization,
            source_kind=SourceKind.ASSESSMENT,
            source_ref=_source_ref(scorecard),
            problem=f"{problem}\n{note}".strip(),
            required=required,
            deadline=deadline,
        )
        scorecard.rectification = order
    else:
        scorecard.rectification = None
    scorecard.outcome = outcome
    scorecard.outcome_note = note
    try:
        with _audit(actor, "assessments.scorecard_outcome", note=note), transaction.atomic():
            scorecard.save(update_fields=["outcome", "outcome_note", "rectification"])
    except IntegrityError:
        raise ValidationError({"outcome": _("The outcome could not be saved.")}) from None
    return scorecard


@transaction.atomic
def report_record(*, actor: User, scorecard: Scorecard, on: date, text: str) -> Scorecard:
    """The assessed organisation records its secretary's report on duties (述职述廉)."""
    scorecard = _lock_scorecard(scorecard)
    scoping.require(actor, scoping.CHANGE, scorecard.organization)
    text = _required(text, "text", _("Write the report."))
    if on is None:
        raise ValidationError({"on": _("Give the day of the report.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The day of the report is in the future.")})
    if on.year < scorecard.scheme.year:
        raise ValidationError(
            {"on": _("The report is given in %(year)s or later.") % {"year": scorecard.scheme.year}}
        )
    scorecard.report_on = on
    scorecard.report_text = text
    scorecard.report_by = actor
    with _audit(actor, "assessments.report_record"):
        scorecard.save(update_fields=["report_on", "report_text", "report_by"])
    return scorecard
