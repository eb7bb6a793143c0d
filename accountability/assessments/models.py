"""Assessments of party-building work (document 4, 四、五).

An assessing organisation (a local committee's organisation department, a
department group) draws up a scheme (考核方案) for a year: indicators, each
computed from a figure of `accountability.figures` or scored by the assessor,
with weights summing to 100. Publishing the scheme freezes it and opens a
scorecard for every committee directly below. The scorecard holds one score
row per indicator (a snapshot of the figure for computed ones), the assessed
secretary's report (述职), and, once finalised, the total, the grade and the
outcome (表扬, 批评/通报, 限期整改 with a rectification order).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accountability.models import RectificationOrder, track
from branches.models import Organization
from branches.scoping import ScopedQuerySet


class AssessmentSchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AssessmentIndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("Computed from a figure")
    MANUAL = "manual", _("Scored by the assessor")


class AssessmentGrade(models.TextChoices):
    GOOD = "good", _("Good")
    FAIRLY_GOOD = "fairly_good", _("Fairly good")
    AVERAGE = "average", _("Average")
    POOR = "poor", _("Poor")


class ScorecardStatus(models.TextChoices):
    OPEN = "open", _("Being scored")
    FINAL = "final", _("Finalised")


class AssessmentOutcome(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    CRITICISM = "criticism", _("Criticism (circulated)")
    RECTIFICATION = "rectification", _("Rectification by a deadline")


POINTS = {"max_digits": 6, "decimal_places": 2}


@track()
class AssessmentScheme(models.Model):
    """An assessing organisation's scorecard template for one year."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("assessing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentSchemeStatus.choices, default="draft"
    )
    grade_good = models.DecimalField(_("“good” from"), default=Decimal(90), **POINTS)
    grade_fairly_good = models.DecimalField(_("“fairly good” from"), default=Decimal(80), **POINTS)
    grade_average = models.DecimalField(_("“average” from"), default=Decimal(60), **POINTS)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="assessment_one_scheme_a_year"
            ),
            models.CheckConstraint(
                condition=Q(grade_good__gt=models.F("grade_fairly_good"))
                & Q(grade_fairly_good__gt=models.F("grade_average"))
                & Q(grade_average__gt=0)
                & Q(grade_good__lte=100),
                name="assessment_grade_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="assessment_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentSchemeStatus.DRAFT


@track()
class AssessmentIndicator(models.Model):
    """One line of the scheme: a computed figure against a target, or a manual score."""

    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("indicator"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AssessmentIndicatorKind.choices)
    figure_key = models.CharField(_("figure"), max_length=64, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    weight = models.DecimalField(_("weight (points)"), **POINTS)
    guidance = models.TextField(_("how it is scored"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "scheme__organization"

    class Meta:
        verbose_name = _("assessment indicator")
        verbose_name_plural = _("assessment indicators")
        ordering = ["scheme", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="assessment_weight_positive"),
            models.CheckConstraint(
                condition=Q(kind="manual", figure_key="", target__isnull=True)
                | Q(kind="computed", figure_key__gt="", target__gt=0),
                name="assessment_computed_has_figure_and_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@track()
class Scorecard(models.Model):
    """The assessment of one organisation under a scheme."""

    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.PROTECT, related_name="scorecards"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("assessed organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The first responsible person (书记) assessed, when known: the link to cadre records.
    secretary = models.ForeignKey(
        "members.Member",
        verbose_name=_("secretary"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ScorecardStatus.choices, default="open"
    )
    total = models.DecimalField(_("total"), null=True, blank=True, **POINTS)
    grade = models.CharField(_("grade"), max_length=12, choices=AssessmentGrade.choices, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=14, choices=AssessmentOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    rectification = models.OneToOneField(
        RectificationOrder,
        verbose_name=_("rectification order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    report_on = models.DateField(_("report given on"), null=True, blank=True)
    report_text = models.TextField(_("report on duties (述职述廉)"), blank=True)
    report_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # The assessing side first: it owns the scorecard; the assessed side reads it.
    scope_field = ("scheme__organization", "organization")

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["scheme", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "organization"], name="assessment_one_scorecard_per_org"
            ),
            models.CheckConstraint(
                condition=Q(status="open", total__isnull=True, grade="")
                | Q(status="final", total__isnull=False, grade__gt="", finalised_at__isnull=False),
                name="assessment_final_has_total_and_grade",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status="final"),
                name="assessment_outcome_after_final",
            ),
            models.CheckConstraint(
                condition=Q(rectification__isnull=True) | Q(outcome="rectification"),
                name="assessment_rectification_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.scheme.year}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:scorecard", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ScorecardStatus.OPEN


def score_evidence_path(instance, filename: str) -> str:
    return f"assessments/{instance.scorecard_id}/{instance.token}{instance.extension}"


@track()
class Score(models.Model):
    """One indicator on one scorecard: a figure snapshot or the assessor's score."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(
        AssessmentIndicator, on_delete=models.PROTECT, related_name="scores"
    )
    # Computed indicators: the figure as computed, with its formula and source.
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(
        _("denominator"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    formula = models.TextField(_("formula"), blank=True)
    source_url = models.CharField(_("source records"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    points = models.DecimalField(_("score"), null=True, blank=True, **POINTS)
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.FileField(
        _("evidence"), upload_to=score_evidence_path, max_length=200, blank=True
    )
    token = models.CharField(max_length=32, blank=True, editable=False)
    extension = models.CharField(max_length=8, blank=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("scorecard__scheme__organization", "scorecard__organization")

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        ordering = ["scorecard", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "indicator"], name="assessment_one_score_per_indicator"
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0),
                name="assessment_points_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(evidence="") | Q(size__gt=0, token__gt=""),
                name="assessment_evidence_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.indicator_id}"
