"""Accountability (document 4, 关于建立健全地方党委、部门党组（党委）抓基层党建工作责任制的意见).

Rectification tracking: every order to rectify (from an assessment, an
inspection, a spot-check, the 整顿 of a weak and lax unit) has a deadline,
progress updates with evidence, and acceptance by the issuing organisation.
Both the ordered organisation and the issuing one see the order.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet


def track():
    """Audit of every insert, update and delete (fresh trackers for each model)."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent()
    )


class SourceKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    INSPECTION = "inspection", _("Inspection")
    SPOT_CHECK = "spot_check", _("Random spot-check")
    WEAK_UNIT = "weak_unit", _("Consolidation of a weak and lax unit")
    OTHER = "other", _("Other")


class RectificationStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted for acceptance")
    RETURNED = "returned", _("Returned for more work")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which the ordered organisation still has work to do.
WORKING = ("issued", "in_progress", "returned")
# Statuses not yet final.
OPEN = ("issued", "in_progress", "returned", "submitted")


@track()
class RectificationOrder(models.Model):
    """An order to rectify, with a deadline, issued by an organisation to one below it."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation to rectify"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by_org = models.ForeignKey(
        Organization,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_kind = models.CharField(_("arising from"), max_length=12, choices=SourceKind.choices)
    source_ref = models.CharField(_("reference"), max_length=200, blank=True)
    problem = models.TextField(_("problem found"))
    required = models.TextField(_("what must be done"))
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=RectificationStatus.choices, default="issued"
    )
    last_note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("organization", "issued_by_org")

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="rectification_open_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("issued_on")),
                name="rectification_deadline_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(organization=models.F("issued_by_org")),
                name="rectification_not_to_itself",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted")
                | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="rectification_accepted_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted") | Q(accepted_at__isnull=True),
                name="rectification_only_accepted_has_acceptance",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=("submitted", "accepted")) | Q(submitted_at__isnull=False),
                name="rectification_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.deadline}"


def evidence_path(instance, filename: str) -> str:
    # The stored name never comes from the user; the original name is kept apart.
    return f"accountability/{instance.order_id}/{instance.token}{instance.extension}"


@track()
class RectificationUpdate(models.Model):
    """A progress report on an order, optionally with one evidence file (type checked by bytes)."""

    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="updates")
    on = models.DateField(_("date"))
    progress = models.TextField(_("progress"))
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, max_length=200, blank=True)
    token = models.CharField(max_length=32, blank=True, editable=False)
    extension = models.CharField(max_length=8, blank=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("order__organization", "order__issued_by_org")

    class Meta:
        verbose_name = _("rectification progress")
        verbose_name_plural = _("rectification progress")
        ordering = ["on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evidence="") | Q(size__gt=0, token__gt=""),
                name="rectification_evidence_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.on}"


# --- Consolidation of weak and lax grassroots organisations ----------------------------


class WeakUnitStatus(models.TextChoices):
    CONSOLIDATING = "consolidating", _("Being consolidated")
    CONSOLIDATED = "consolidated", _("Consolidated")


# Organisations that can be weak and lax (document 4, 二（一）3): grassroots ones.
GRASSROOTS_KINDS = ("grassroots_committee", "general_branch", "branch")


@track()
class WeakUnit(models.Model):
    """A grassroots organisation found weak and lax (软弱涣散、不起作用) in a year,
    and its consolidation (整顿, document 4, 二（一）3) under a committee above it."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    identified_by_org = models.ForeignKey(
        Organization,
        verbose_name=_("identified by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    identified_on = models.DateField(_("identified on"))
    problems = models.TextField(_("how it is weak and lax"))
    measures = models.TextField(_("consolidation measures"))
    order = models.OneToOneField(
        RectificationOrder,
        verbose_name=_("rectification order"),
        on_delete=models.PROTECT,
        related_name="weak_unit",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WeakUnitStatus.choices, default="consolidating"
    )
    consolidated_on = models.DateField(_("consolidated on"), null=True, blank=True)
    result = models.TextField(_("result of the consolidation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("organization", "identified_by_org")

    class Meta:
        verbose_name = _("weak and lax organisation")
        verbose_name_plural = _("weak and lax organisations")
        ordering = ["-year", "status", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="weak_unit_once_a_year"),
            models.CheckConstraint(
                condition=~Q(organization=models.F("identified_by_org")),
                name="weak_unit_not_by_itself",
            ),
            models.CheckConstraint(
                condition=Q(status="consolidating", consolidated_on__isnull=True)
                | Q(status="consolidated", consolidated_on__isnull=False) & ~Q(result=""),
                name="weak_unit_consolidated_has_date_and_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accountability:weak_unit", args=[self.pk])
