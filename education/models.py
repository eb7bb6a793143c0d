import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet
from members.models import Member


class ActivityKind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", _("Branch general meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    TRAINING = "training", _("Training course")
    REPORT = "report", _("Report meeting")
    SEMINAR = "seminar", _("Thematic seminar")
    ORG_LIFE = "org_life", _("Thematic organisational life meeting")
    READING = "reading", _("Reading activity")
    QUIZ = "quiz", _("Knowledge contest")
    PRACTICE = "practice", _("Thematic practice activity")
    DELIVERY = "delivery", _("Study delivered to the door")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Activity(models.Model):
    """A collective education activity of an organisation (document 1, 二（二）)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    province = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, editable=False, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ActivityKind.choices)
    title = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    hours = models.DecimalField(_("duration (hours)"), max_digits=4, decimal_places=1)
    place = models.CharField(_("place"), max_length=200, blank=True)
    lecturer = models.CharField(_("lecturer"), max_length=100, blank=True)
    lecturer_member = models.ForeignKey(
        Member,
        verbose_name=_("lecturer (member)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lectures_given",
        help_text=_("A leader's lecture counts toward the leader's yearly duty."),
    )
    content = models.TextField(_("content"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("education activity")
        verbose_name_plural = _("education activities")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["organization", "starts_at"], name="activity_org_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="activity_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.get_kind_display()} {self.title}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent without leave")
    DELIVERED = "delivered", _("Delivered to the door")


CREDITED = (AttendanceStatus.PRESENT, AttendanceStatus.DELIVERED)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Attendance(models.Model):
    """One member at one activity, with the hours that count for the member."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=16, choices=AttendanceStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    credited_hours = models.DecimalField(_("credited hours"), max_digits=4, decimal_places=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    # The recording organisation and the member's own branch both see it.
    scope_field = ("activity__organization", "member__branch")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="attendance_once"),
            models.CheckConstraint(
                condition=Q(credited_hours__gte=0), name="attendance_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["present", "delivered"]) | Q(credited_hours=0),
                name="attendance_absent_no_hours",
            ),
            models.CheckConstraint(
                condition=~Q(status="excused") | ~Q(reason=""), name="attendance_excuse_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}: {self.get_status_display()}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


class YearlyTotal(models.Model):
    """Credited hours of a member in a year, kept by the attendance services.

    Pages read this row; they never sum attendance.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="yearly_totals")
    year = models.PositiveSmallIntegerField()
    hours = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    activities = models.PositiveIntegerField(default=0)
    absences = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("yearly education total")
        verbose_name_plural = _("yearly education totals")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="total_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.hours} h"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)
