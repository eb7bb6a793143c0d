"""Annual written reports on grassroots party building (document 4, 四).

"每年年底，地方党委和部门党组（党委）要向上级党委书面报告抓基层党建工作情况":
each local committee (province, city, county) and each department party
group/committee writes a yearly report to the local committee above it.
One report per (organisation, year); the recipient is stored at creation.

The steps: draft → submitted → accepted, or → returned (with a note) →
resubmitted → accepted (or returned again). Each step keeps who and when.
The figures of the year (accountability.figures) are copied into
`WrittenReportFigure` rows when the draft is started, may be recomputed
while the report is a draft or returned, and are frozen by submission.
The standing committee's report to the plenary (向全委会报告) is recorded
on the same report: the date of the plenary session and a short note.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accountability.models import track
from branches.models import Organization
from branches.scoping import ScopedQuerySet


class WrittenReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ACCEPTED = "accepted", _("Accepted")


# The reporting organisation may still edit the text and recompute the figures.
EDITABLE = ("draft", "returned")
# Waiting for the recipient.
AWAITING = ("submitted", "resubmitted")


def plenary_path(instance, filename: str) -> str:
    # The stored name never comes from the user; the original name is kept apart.
    return f"written-reports/{instance.plenary_token}{instance.plenary_extension}"


@track()
class WrittenReport(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient = models.ForeignKey(
        Organization,
        verbose_name=_("reported to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=12, choices=WrittenReportStatus.choices, default="draft"
    )
    achievements = models.TextField(_("achievements"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    plans = models.TextField(_("plans for next year"), blank=True)
    plenary_on = models.DateField(_("reported to the plenary session on"), null=True, blank=True)
    plenary_note = models.TextField(_("report to the plenary session"), blank=True)
    # Optional: the report as read to the plenary session (PDF or image, type checked by bytes).
    plenary_file = models.FileField(
        _("plenary attachment"), upload_to=plenary_path, max_length=200, blank=True
    )
    plenary_token = models.CharField(max_length=32, blank=True, editable=False)
    plenary_extension = models.CharField(max_length=8, blank=True, editable=False)
    plenary_file_name = models.CharField(_("file name"), max_length=200, blank=True)
    plenary_content_type = models.CharField(max_length=64, blank=True)
    plenary_size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    figures_computed_at = models.DateTimeField(_("figures computed at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_note = models.TextField(_("reason for return"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accept_note = models.TextField(_("note on acceptance"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("organization", "recipient")

    class Meta:
        verbose_name = _("annual written report")
        verbose_name_plural = _("annual written reports")
        ordering = ["-year", "organization_id"]
        indexes = [models.Index(fields=["recipient", "year"], name="written_report_recipient")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="written_report_once_a_year"
            ),
            models.CheckConstraint(
                condition=~Q(organization=F("recipient")), name="written_report_not_to_itself"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2006) & Q(year__lte=2200), name="written_report_year_range"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    submitted_at__isnull=False,
                    submitted_by__isnull=False,
                    first_submitted_at__isnull=False,
                ),
                name="written_report_submitted_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="draft")
                | Q(submitted_at__isnull=True, first_submitted_at__isnull=True),
                name="written_report_draft_not_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=("returned", "resubmitted"))
                | (Q(returned_at__isnull=False, returned_by__isnull=False) & ~Q(return_note="")),
                name="written_report_returned_has_who_when_why",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", accepted_at__isnull=False, accepted_by__isnull=False)
                | Q(~Q(status="accepted"), accepted_at__isnull=True, accepted_by__isnull=True),
                name="written_report_accepted_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(plenary_file="") | Q(plenary_size__gt=0, plenary_token__gt=""),
                name="written_report_plenary_file_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(accepted_by__isnull=True) | ~Q(accepted_by=F("submitted_by")),
                name="written_report_not_accepted_by_submitter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


@track()
class WrittenReportFigure(models.Model):
    """One figure of the report, as computed at `computed_at` (frozen by submission)."""

    report = models.ForeignKey(WrittenReport, on_delete=models.CASCADE, related_name="figures")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(_("figure"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    denominator = models.DecimalField(
        _("out of"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    formula = models.TextField(_("formula"))
    records_url = models.CharField(_("records"), max_length=500, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()
    scope_field = ("report__organization", "report__recipient")

    class Meta:
        verbose_name = _("figure of a written report")
        verbose_name_plural = _("figures of written reports")
        ordering = ["report_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="written_report_figure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
