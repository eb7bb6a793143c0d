"""Roll-ups: per organisation, year and month, the counts of its own rows and
of its whole subtree, kept by `dashboards.rollups` (Celery), read by the
dashboards instead of the raw rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet


class Rollup(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField(default=0, help_text=_("0: the whole year"))
    # {metric key: count}; zero counts are left out.
    own = models.JSONField(default=dict)
    total = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "month"], name="rollup_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=0, month__lte=12), name="rollup_month_0_12"
            ),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year}-{self.month:02d}"


class ReconcileRun(models.Model):
    """One full recomputation of a province-year's roll-ups, with what it fixed."""

    province = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField(help_text=_("roll-up rows checked"))
    fixed = models.PositiveIntegerField(help_text=_("rows that differed and were fixed"))
    # A sample of the differences:
    # [{"organization": id, "month": m, "key": k, "stored": a, "computed": b}]
    differences = models.JSONField(default=list, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "province"

    class Meta:
        verbose_name = _("roll-up reconciliation")
        verbose_name_plural = _("roll-up reconciliations")
        ordering = ["-finished_at"]
        indexes = [
            models.Index(fields=["province", "year", "-finished_at"], name="reconcile_latest")
        ]

    def __str__(self):
        return f"{self.province_id} {self.year}: {self.fixed}/{self.rows}"
