"""Year-end reports of an organisation: the roll-up figures of its subtree as
PDF and .xlsx, built in the background by `reports.tasks.build_year_end_report`."""

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# The steps of the build, in order, with the progress reached after each.
STEPS = (
    ("figures", 20, _("Figures")),
    ("children", 40, _("Table of the organisations below")),
    ("months", 55, _("Monthly trend")),
    ("pdf", 75, _("PDF")),
    ("xlsx", 90, _("Spreadsheet")),
    ("store", 100, _("Stored")),
)
STEP_LABELS = {key: label for key, _progress, label in STEPS}
STEP_LABELS["start"] = _("Starting")


# History of requests and outcomes; progress ticks and the content are not copied.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["progress", "step", "content"],
)
class YearEndReport(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="year_end_reports",
        verbose_name=_("organisation"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("step"), max_length=20, blank=True)
    # Bumped on every request: a task of an older generation does nothing.
    generation = models.PositiveIntegerField(_("generation"), default=1)
    # What the files show (figures, table, months, freshness), as built.
    content = models.JSONField(_("content"), default=dict, blank=True)
    pdf = models.FileField(upload_to="year-end-reports/", blank=True, max_length=200)
    xlsx = models.FileField(upload_to="year-end-reports/", blank=True, max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("year-end report")
        verbose_name_plural = _("year-end reports")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="year_end_report_once_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0, progress__lte=100),
                name="year_end_report_progress_0_100",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(progress=100),
                name="year_end_report_done_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    @property
    def step_label(self) -> str:
        return str(STEP_LABELS.get(self.step, ""))

    @property
    def in_progress(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)
