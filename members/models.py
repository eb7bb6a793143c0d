import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Sector
from branches.scoping import ScopedQuerySet


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("University")
    COLLEGE = "college", _("College")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational")
    HIGH_SCHOOL = "high_school", _("Senior high school")
    JUNIOR_OR_BELOW = "junior_or_below", _("Junior high school or below")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


class LeaveReason(models.TextChoices):
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DECEASED = "deceased", _("Deceased")
    LEFT = "left", _("Left the party")
    EXPELLED = "expelled", _("Expelled")


class LeadershipLevel(models.TextChoices):
    NONE = "", _("None")
    PROVINCIAL = "provincial", _("Provincial or ministerial")
    CITY = "city", _("City (bureau)")
    COUNTY = "county", _("County (division)")


class MemberQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["id_number_encrypted", "updated_at"],
)
class Member(models.Model):
    """A party member; the branch holds the formal organisational relationship."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=16, default="汉族")
    education = models.CharField(_("education"), max_length=24, choices=Education.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID-card number"), max_length=18, editable=False)
    joined_on = models.DateField(
        _("admitted on"), help_text=_("Day of admission as a probationary member.")
    )
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices)
    conversion_due = models.DateField(_("conversion due"), null=True, blank=True)
    full_since = models.DateField(_("full member since"), null=True, blank=True)
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    province = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, editable=False, related_name="+"
    )
    employer_sector = models.CharField(
        _("employer category"),
        max_length=32,
        choices=Sector.choices,
        help_text=_("Decides the yearly education requirement (12 or 6 days)."),
    )
    leadership_level = models.CharField(
        _("leadership level"), max_length=16, choices=LeadershipLevel.choices, blank=True
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=16, choices=LeaveReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()
    scope_field = "branch"

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["branch_id", "name"]
        indexes = [
            models.Index(fields=["branch", "status"], name="member_branch_status"),
            models.Index(fields=["province", "status"], name="member_province_status"),
            models.Index(fields=["conversion_due"], name="member_conversion_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="member_unique_id_number"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, left_reason="")
                | Q(left_on__isnull=False) & ~Q(left_reason=""),
                name="member_leaving_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="probationary", conversion_due__isnull=False)
                | Q(status="full", full_since__isnull=False),
                name="member_status_dates",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__lt=F("joined_on")), name="member_born_before_joining"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        """A member sees their own record."""
        return Q(user_id=user.pk)

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class FlagKind(models.TextChoices):
    AGED_INFIRM = "aged_infirm", _("Aged or infirm")
    HARDSHIP = "hardship", _("In hardship")
    PARTY_WORKER = "party_worker", _("Grassroots party worker")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class MemberFlag(models.Model):
    """A flag on a member, with who set it and when; cleared, not deleted."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("flag"), max_length=16, choices=FlagKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_on = models.DateField(_("set on"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("member flag")
        verbose_name_plural = _("member flags")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=Q(cleared_on__isnull=True),
                name="flag_one_active_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_kind_display()}"


class IdReveal(models.Model):
    """Append-only: who saw a full ID-card number, and when."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="id_reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("ID-card number reveal")
        verbose_name_plural = _("ID-card number reveals")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.member} {self.at:%Y-%m-%d %H:%M}"


class ConversionOutcome(models.TextChoices):
    ON_TIME = "on_time", _("Converted on time")
    EXTENDED = "extended", _("Probation extended")
    CANCELLED = "cancelled", _("Probationary membership cancelled")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ConversionDecision(models.Model):
    """The branch's decision on a probationary member (预备党员转正)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="conversion_decisions"
    )
    decided_on = models.DateField(_("decided on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=ConversionOutcome.choices)
    extended_until = models.DateField(
        _("probation extended until"), null=True, blank=True, help_text=_("At most one more year.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("conversion decision")
        verbose_name_plural = _("conversion decisions")
        ordering = ["-decided_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="extended", extended_until__isnull=False)
                | ~Q(outcome="extended") & Q(extended_until__isnull=True),
                name="conversion_extension_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_outcome_display()}"


class HandlingStage(models.TextChoices):
    CRITICISM = "criticism", _("Criticism and education")
    DEADLINE = "deadline", _("Correction within a deadline")
    PERSUADE = "persuade", _("Persuaded to withdraw")
    REMOVAL = "removal", _("Removed from the party")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Handling(models.Model):
    """Organisational handling of a member who does not fulfil the obligations."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="handlings")
    stage = models.CharField(_("measure"), max_length=16, choices=HandlingStage.choices)
    reason = models.TextField(_("reason"))
    on = models.DateField(_("date"))
    deadline = models.DateField(_("correct by"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("organisational handling")
        verbose_name_plural = _("organisational handlings")
        ordering = ["-on"]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_stage_display()}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving side")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Transfer(models.Model):
    """A transfer of the organisational relationship (组织关系转接).

    The sending branch requests it; the receiving side (any province) accepts
    or rejects it; the member's branch changes only on acceptance.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    from_branch = models.ForeignKey(
        Organization, verbose_name=_("from"), on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_branch = models.ForeignKey(
        Organization, verbose_name=_("to"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    due_by = models.DateField(_("answer due by"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    # Both sides see the transfer.
    scope_field = ("from_branch", "to_branch")

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="transfer_one_pending"
            ),
            models.CheckConstraint(
                condition=~Q(from_branch=F("to_branch")), name="transfer_not_same"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="transfer_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_branch} → {self.to_branch}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class DuesPayment(models.Model):
    """Dues paid for a month or a quarter (党费), and who received them."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues")
    period_start = models.DateField(_("period"), help_text=_("First day of the month or quarter."))
    months = models.PositiveSmallIntegerField(
        _("months"), choices=[(1, _("one month")), (3, _("one quarter"))], default=1
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    received_by = models.ForeignKey(
        Organization,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="dues_received",
        help_text=_("The inflow organisation for a mobile member."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # The member's branch and the organisation that received the money.
    scope_field = ("member__branch", "received_by")

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["member", "period_start"], name="dues_one_per_period"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_positive"),
            models.CheckConstraint(condition=Q(period_start__day=1), name="dues_period_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.period_start:%Y-%m} {self.amount}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Checking")
    CHECKED = "checked", _("Checked (preview)")
    FAILED = "failed", _("Has errors, nothing saved")
    DONE = "done", _("Saved")


class ImportJob(models.Model):
    """A roster file (.xlsx or .csv) loaded into a branch: checked first
    (preview), then saved all together or not at all."""

    branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="member_imports"
    )
    file = models.FileField(upload_to="member-imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "branch"

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.branch}"
