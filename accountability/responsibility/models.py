"""Responsibilities, leading groups and commendations (document 4).

Document 4 (关于建立健全地方党委、部门党组（党委）抓基层党建工作责任制的意见):
一: the committee's secretary is 第一责任人, the member in charge of party
affairs is 直接责任人, the other members carry their share (一岗双责);
二: the committee's party-building leading group meets and decides;
三: 创先争优 — advanced grassroots organisations, excellent members and party
workers are commended; 五: failures to build the grassroots are held to
account (严肃问责).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accountability.models import track
from branches.models import Organization
from branches.scoping import ScopedQuerySet
from members.models import Member

# Organisations that carry the responsibility (document 4, 一).
COMMITTEE_KINDS = ("local_committee", "department_group", "department_committee")


class ResponsibilityRole(models.TextChoices):
    FIRST = "first", _("First responsible person")
    DIRECT = "direct", _("Directly responsible person")
    SHARED = "shared", _("Member with a share (one post, two duties)")


# Roles held by one person at a time per organisation.
SINGLE_ROLES = ("first", "direct")


@track()
class ResponsibilityAssignment(models.Model):
    """Who answers for party building in a committee, from when to when."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("responsibility"), max_length=8, choices=ResponsibilityRole.choices)
    member = models.ForeignKey(
        Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post"), max_length=100)
    duties = models.TextField(_("duties"), blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("responsibility assignment")
        verbose_name_plural = _("responsibility assignments")
        ordering = ["organization", "role", "-valid_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "role"],
                condition=Q(valid_to__isnull=True, role__in=SINGLE_ROLES),
                name="responsibility_one_open_first_and_direct",
            ),
            models.UniqueConstraint(
                fields=["organization", "member"],
                condition=Q(valid_to__isnull=True),
                name="responsibility_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="responsibility_period_valid",
            ),
            models.CheckConstraint(condition=~Q(post=""), name="responsibility_post_given"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_role_display()} {self.member}"

    @property
    def is_open(self) -> bool:
        return self.valid_to is None


@track()
class LeadingGroup(models.Model):
    """A committee's party-building leading group (党建工作领导小组)."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    set_up_on = models.DateField(_("set up on"))
    remit = models.TextField(_("remit"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("party-building leading group")
        verbose_name_plural = _("party-building leading groups")
        ordering = ["organization"]

    def __str__(self) -> str:
        return self.name


class LeadingGroupRole(models.TextChoices):
    HEAD = "head", _("Head")
    DEPUTY_HEAD = "deputy_head", _("Deputy head")
    MEMBER = "member", _("Member")


@track()
class LeadingGroupMember(models.Model):
    group = models.ForeignKey(LeadingGroup, on_delete=models.PROTECT, related_name="members")
    member = models.ForeignKey(
        Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    group_role = models.CharField(
        _("role in the group"), max_length=12, choices=LeadingGroupRole.choices
    )
    post = models.CharField(_("post"), max_length=100)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "group__organization"

    class Meta:
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")
        ordering = ["group", "until", "group_role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(until__isnull=True, group_role="head"),
                name="leading_group_one_open_head",
            ),
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(until__isnull=True),
                name="leading_group_member_once",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="leading_group_member_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_group_role_display()})"

    def served_on(self, day) -> bool:
        return self.since <= day and (self.until is None or self.until >= day)


@track()
class LeadingGroupMeeting(models.Model):
    group = models.ForeignKey(LeadingGroup, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("held on"))
    topics = models.TextField(_("topics"))
    decisions = models.TextField(_("decisions"))
    attendees = models.ManyToManyField(
        LeadingGroupMember, verbose_name=_("attendees"), related_name="meetings"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "group__organization"

    class Meta:
        verbose_name = _("leading group meeting")
        verbose_name_plural = _("leading group meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.group} {self.held_on}"


class CommendationKind(models.TextChoices):
    ADVANCED_ORGANIZATION = "advanced_org", _("Advanced grassroots party organisation")
    EXCELLENT_MEMBER = "excellent_member", _("Excellent Communist Party member")
    EXCELLENT_WORKER = "excellent_worker", _("Excellent party worker")


class CommendationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    AWARDED = "awarded", _("Awarded")
    DECLINED = "declined", _("Declined")


@track()
class Commendation(models.Model):
    """A nomination for a 创先争优 commendation and its outcome."""

    kind = models.CharField(_("commendation"), max_length=16, choices=CommendationKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    nominee_org = models.ForeignKey(
        Organization,
        verbose_name=_("nominated organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    nominee_member = models.ForeignKey(
        Member,
        verbose_name=_("nominated member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The nominated organisation, or the nominated member's branch at nomination.
    nominee_unit = models.ForeignKey(
        Organization, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    nominated_by = models.ForeignKey(
        Organization, verbose_name=_("nominated by"), on_delete=models.PROTECT, related_name="+"
    )
    awarded_by = models.ForeignKey(
        Organization,
        verbose_name=_("awarding organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    deeds = models.TextField(_("deeds"))
    status = models.CharField(
        _("status"), max_length=12, choices=CommendationStatus.choices, default="nominated"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    nominated_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = ("nominee_unit", "awarded_by")

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-year", "kind", "pk"]
        indexes = [models.Index(fields=["awarded_by", "year"], name="commendation_awarder_year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="advanced_org", nominee_org__isnull=False, nominee_member__isnull=True
                )
                | Q(
                    kind__in=("excellent_member", "excellent_worker"),
                    nominee_org__isnull=True,
                    nominee_member__isnull=False,
                ),
                name="commendation_nominee_fits_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "nominee_org"],
                condition=Q(status="awarded", nominee_org__isnull=False),
                name="commendation_org_awarded_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "nominee_member"],
                condition=Q(status="awarded", nominee_member__isnull=False),
                name="commendation_member_awarded_once",
            ),
            models.CheckConstraint(
                condition=Q(status="nominated", decided_on__isnull=True)
                | Q(status__in=("awarded", "declined"), decided_on__isnull=False),
                name="commendation_decision_dated",
            ),
            models.CheckConstraint(
                condition=~Q(nominee_unit=F("awarded_by")),
                name="commendation_not_by_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.nominee}"

    @property
    def nominee(self):
        return self.nominee_org or self.nominee_member


class AccountabilityMeasure(models.TextChoices):
    TALK = "talk", _("Reminder talk")
    CIRCULAR = "circular", _("Criticism by circular")
    ORGANIZATIONAL = "organizational", _("Organisational measure")
    DISCIPLINARY = "disciplinary", _("Disciplinary sanction")


@track()
class AccountabilityRecord(models.Model):
    """An organisation (and optionally a person) held to account (document 4, 五)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation held accountable"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("person held accountable"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        Organization, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"))
    failure = models.TextField(_("failure"))
    measure = models.CharField(_("measure"), max_length=16, choices=AccountabilityMeasure.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(organization=F("decided_by")),
                name="accountability_record_not_by_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.decided_on} {self.get_measure_display()}"
