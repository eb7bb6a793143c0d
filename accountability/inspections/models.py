"""Inspections and random spot-checks (document 4 四: 督查、巡回检查、随机抽样检查;
document 3 四: 省级组织部门每年进行抽查).

A spot-check (抽查) is run by an organisation department for a year: the
population of eligible branches is stratified (area × sector × size band),
a sample is drawn with a stored seed so the draw can be audited and re-run,
each inspector gets a time-limited view grant on exactly the drawn branches
and members, every drawn unit is checked against a checklist, and every
finding becomes a rectification order of accountability.RectificationOrder.

An inspection (督查 / 巡回检查 / 随机抽样检查) names the organisations it
covers, its checklist items with a result per organisation, and findings that
become rectification orders the same way.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accountability.models import RectificationOrder, track
from branches.models import Organization
from branches.scoping import ScopedQuerySet
from members.models import Member


class SpotCheckStatus(models.TextChoices):
    DEFINED = "defined", _("Defined")
    DRAWN = "drawn", _("Drawn")
    IN_PROGRESS = "in_progress", _("Inspection in progress")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")


# While the check runs: inspectors may record results and findings.
SPOT_CHECK_ACTIVE = ("drawn", "in_progress", "reported")


class InspectionResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    MOSTLY = "mostly", _("Basically compliant")
    NONCOMPLIANT = "noncompliant", _("Not compliant")
    UNCHECKED = "unchecked", _("Not checked")


class InspectionSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    GRAVE = "grave", _("Grave")


class SpotCheckItem(models.TextChoices):
    EDUCATION = "education", _("Three meetings and one lecture held; members' study hours")
    MOBILE = "mobile", _("Certificates of mobile members checked")
    DUES = "dues", _("Party dues paid")
    REVIEW = "review", _("Democratic review of members done")
    FILES = "files", _("Member files complete")


class SizeBand(models.TextChoices):
    SMALL = "lt10", _("fewer than 10 members")
    MEDIUM = "10to49", _("10 to 49 members")
    LARGE = "ge50", _("50 members or more")


@track()
class SpotCheck(models.Model):
    """A random spot-check organised by an organisation department for a year."""

    organizing_org = models.ForeignKey(
        Organization,
        verbose_name=_("organising organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    branch_sample = models.PositiveSmallIntegerField(_("branches to draw"))
    members_per_branch = models.PositiveSmallIntegerField(_("members to draw per branch"))
    period_start = models.DateField(_("check period from"))
    period_end = models.DateField(_("check period to"))
    access_expires_at = models.DateTimeField(_("inspectors' access ends"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="+", blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SpotCheckStatus.choices, default="defined"
    )
    seed = models.BigIntegerField(_("random seed"), null=True, blank=True)
    # {"strata": [{"key", "area", "sector", "band", "ids"}], "members": {branch id: [ids]}}
    population = models.JSONField(_("population snapshot"), default=dict, blank=True)
    population_digest = models.CharField(max_length=64, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organizing_org"

    class Meta:
        verbose_name = _("random spot-check")
        verbose_name_plural = _("random spot-checks")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organizing_org", "year", "title"], name="spot_check_unique_title"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="spot_check_period_order",
            ),
            models.CheckConstraint(
                condition=Q(branch_sample__gte=1), name="spot_check_sample_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="defined") | Q(seed__isnull=False, drawn_at__isnull=False),
                name="spot_check_drawn_has_seed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


@track()
class SpotCheckUnit(models.Model):
    """A branch drawn for a spot-check, with the members drawn in it."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="units")
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    stratum = models.CharField(_("stratum"), max_length=120)
    position = models.PositiveSmallIntegerField()
    members = models.ManyToManyField(Member, verbose_name=_("members drawn"), related_name="+")
    note = models.TextField(_("inspector's note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "spot_check__organizing_org"

    class Meta:
        verbose_name = _("drawn unit")
        verbose_name_plural = _("drawn units")
        ordering = ["spot_check", "position"]
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "branch"], name="spot_check_unit_once"),
        ]

    def __str__(self) -> str:
        return str(self.branch)


@track()
class SpotCheckEntry(models.Model):
    """The result of one checklist item for a drawn unit."""

    unit = models.ForeignKey(SpotCheckUnit, on_delete=models.CASCADE, related_name="entries")
    item = models.CharField(_("item"), max_length=16, choices=SpotCheckItem.choices)
    result = models.CharField(
        _("result"), max_length=12, choices=InspectionResult.choices, default="unchecked"
    )
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "unit__spot_check__organizing_org"

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["unit", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "item"], name="spot_check_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.item}"


@track()
class SpotCheckFinding(models.Model):
    """A problem found in a drawn unit; it becomes one rectification order."""

    unit = models.ForeignKey(SpotCheckUnit, on_delete=models.PROTECT, related_name="findings")
    problem = models.TextField(_("problem found"))
    required = models.TextField(_("what must be done"))
    severity = models.CharField(_("severity"), max_length=8, choices=InspectionSeverity.choices)
    deadline = models.DateField(_("deadline"))
    order = models.OneToOneField(
        RectificationOrder,
        verbose_name=_("rectification order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # The organising side, and the drawn branch (it sees its own findings).
    scope_field = ("unit__spot_check__organizing_org", "unit__branch")

    class Meta:
        verbose_name = _("spot-check finding")
        verbose_name_plural = _("spot-check findings")
        ordering = ["unit", "pk"]

    def __str__(self) -> str:
        return self.problem[:40]

    def get_absolute_url(self) -> str:
        return reverse("inspections:unit", args=[self.unit_id])

    def url_for(self, user) -> str | None:
        seen = SpotCheckUnit.objects.visible_to(user).filter(pk=self.unit_id).exists()
        return self.get_absolute_url() if seen else None


class InspectionKind(models.TextChoices):
    SUPERVISION = "supervision", _("Supervision (督查)")
    CIRCUIT = "circuit", _("Circuit inspection (巡回检查)")
    SAMPLE = "sample", _("Random sample inspection (随机抽样检查)")


@track()
class Inspection(models.Model):
    """督查 / 巡回检查 / 随机抽样检查 of named organisations by an organising one."""

    organizing_org = models.ForeignKey(
        Organization,
        verbose_name=_("organising organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organisations inspected"), related_name="+"
    )
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organizing_org"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="inspection_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


@track()
class InspectionItem(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("checklist item"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_field = "inspection__organizing_org"

    class Meta:
        ordering = ["inspection", "position", "pk"]

    def __str__(self) -> str:
        return self.text


@track()
class InspectionEntry(models.Model):
    """The result of one checklist item for one inspected organisation."""

    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="entries")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(
        _("result"), max_length=12, choices=InspectionResult.choices, default="unchecked"
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "item__inspection__organizing_org"

    class Meta:
        ordering = ["item", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["item", "organization"], name="inspection_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.organization_id}"


@track()
class InspectionFinding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    problem = models.TextField(_("problem found"))
    required = models.TextField(_("what must be done"))
    severity = models.CharField(_("severity"), max_length=8, choices=InspectionSeverity.choices)
    deadline = models.DateField(_("deadline"))
    order = models.OneToOneField(
        RectificationOrder,
        verbose_name=_("rectification order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("inspection__organizing_org", "organization")

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return self.problem[:40]

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection", args=[self.inspection_id])

    def url_for(self, user) -> str | None:
        seen = Inspection.objects.visible_to(user).filter(pk=self.inspection_id).exists()
        return self.get_absolute_url() if seen else None
