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
    teacher = models.ForeignKey(
        "Teacher",
        verbose_name=_("teacher (registry)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    base = models.ForeignKey(
        "EducationBase",
        verbose_name=_("education base"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    textbook = models.ForeignKey(
        "Textbook",
        verbose_name=_("textbook"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
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
    self_study_hours = models.DecimalField(max_digits=6, decimal_places=1, default=0)
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


# --- Attachments -------------------------------------------------------------


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN = "sign_in", _("Sign-in sheet scan")
    DOCUMENT = "document", _("Document")


def attachment_path(instance, filename: str) -> str:
    # The stored name never comes from the user; the original name is kept apart.
    return f"education/{instance.activity_id}/{instance.token}{instance.extension}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Attachment(models.Model):
    """A photo or a sign-in sheet scan of an activity (type and size checked)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "activity__organization"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name


# --- Registries (pick lists on activities) ------------------------------------


class TeacherCategory(models.TextChoices):
    PARTY_SCHOOL = "party_school", _("Party school teacher")
    EXPERT = "expert", _("Expert or scholar")
    SCIENTIST = "scientist", _("Science and technology worker")
    MODEL = "model", _("Advanced model")
    LEADER = "leader", _("Leading cadre")


class RegistryEntry(models.Model):
    """Kept by an organisation; offered as a pick list to its whole subtree."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("kept by"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        abstract = True


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Teacher(RegistryEntry):
    name = models.CharField(_("name"), max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=TeacherCategory.choices)
    specialty = models.CharField(_("subjects"), max_length=200, blank=True)
    unit = models.CharField(_("work unit"), max_length=200, blank=True)
    member = models.ForeignKey(
        Member,
        verbose_name=_("member record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teaching staff")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "unit"], name="teacher_once_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class EducationBase(RegistryEntry):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("education base")
        verbose_name_plural = _("education bases")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="base_once_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Textbook(RegistryEntry):
    title = models.CharField(_("title"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_year = models.PositiveSmallIntegerField(_("year published"), null=True, blank=True)

    class Meta:
        verbose_name = _("textbook")
        verbose_name_plural = _("textbooks")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "title"], name="textbook_once_per_org"),
        ]

    def __str__(self) -> str:
        return self.title


# --- Self-study (自主学习) ------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class StudyPlan(models.Model):
    """A member's own study plan for a year (document 1, 二（二）1)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    content = models.TextField(_("plan"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="study_plan_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class SelfStudy(models.Model):
    """One self-study record; counted only where the policy says so."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="self_studies")
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    material = models.CharField(_("what was studied"), max_length=200)
    textbook = models.ForeignKey(
        Textbook,
        verbose_name=_("textbook"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("self-study record")
        verbose_name_plural = _("self-study records")
        ordering = ["-on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="self_study_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.on} {self.material}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


# --- Closing a year -------------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class YearClosure(models.Model):
    """A province's education year, closed: its totals are frozen.

    Attendance of a closed year changes only with a reason (LateCorrection).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="education_closures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the yearly cycle closed it."),
    )
    members = models.PositiveIntegerField(default=0)
    short = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("closed education year")
        verbose_name_plural = _("closed education years")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="closure_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LateCorrection(models.Model):
    """A change to the attendance of a closed year, with its reason."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="corrections")
    year = models.PositiveSmallIntegerField()
    reason = models.CharField(_("reason for the correction"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "activity__organization"

    class Meta:
        verbose_name = _("late correction")
        verbose_name_plural = _("late corrections")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.activity}: {self.reason}"


# --- Review cycles ----------------------------------------------------------------


class CampaignKind(models.TextChoices):
    DEMOCRATIC_REVIEW = "democratic_review", _("Democratic review of members")
    PARTY_SPIRIT = "party_spirit", _("Party-spirit analysis review")


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignStep(models.TextChoices):
    # document 1, 二（二）3, in order
    MOBILISATION = "mobilisation", _("Mobilisation")
    OPINIONS = "opinions", _("Soliciting the opinions of the masses")
    TALKS = "talks", _("Heart-to-heart talks")
    SELF_ANALYSIS = "self_analysis", _("Written self-analysis by each member")
    MEETING = "meeting", _("Special organisational life meeting")
    EVALUATION = "evaluation", _("Evaluation of each member")
    RECTIFICATION = "rectification", _("Rectification")
    NOTIFICATION = "notification", _("Notifying members and the masses")


STEPS = {
    CampaignKind.DEMOCRATIC_REVIEW: (
        CampaignStep.OPINIONS,
        CampaignStep.MEETING,
        CampaignStep.EVALUATION,
    ),
    CampaignKind.PARTY_SPIRIT: tuple(CampaignStep),
}


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PartySpiritSchedule(models.Model):
    """A committee at county level or above schedules the five-yearly analysis."""

    committee = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="party_spirit_schedules"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    notes = models.TextField(_("arrangements"), blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "committee"

    class Meta:
        verbose_name = _("party-spirit analysis schedule")
        verbose_name_plural = _("party-spirit analysis schedules")
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="spirit_schedule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.year}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Campaign(models.Model):
    """One branch's democratic review or party-spirit analysis of a year."""

    kind = models.CharField(_("kind"), max_length=24, choices=CampaignKind.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="campaigns"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    schedule = models.ForeignKey(
        PartySpiritSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    mass_opinions = models.TextField(_("opinions of the masses"), blank=True)
    meeting = models.ForeignKey(
        Activity,
        verbose_name=_("special organisational life meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comprehensive_opinion = models.TextField(_("comprehensive opinion of the branch"), blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    complete = models.BooleanField(
        default=False, help_text=_("Every step done and every member rated when it closed.")
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("review campaign")
        verbose_name_plural = _("review campaigns")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "organization", "year"], name="campaign_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(kind="party_spirit") | Q(schedule__isnull=True),
                name="campaign_schedule_only_party_spirit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year} {self.get_kind_display()}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CampaignStepRecord(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=16, choices=CampaignStep.choices)
    done_on = models.DateField(_("done on"))
    notes = models.TextField(_("notes"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "campaign__organization"

    class Meta:
        verbose_name = _("campaign step")
        verbose_name_plural = _("campaign steps")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "step"], name="campaign_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.get_step_display()}"


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASIC = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Evaluation(models.Model):
    """A member's rating and the branch's opinion in one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evaluations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="evaluations")
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    self_analysis_done = models.BooleanField(_("written self-analysis handed in"), default=False)
    opinion = models.TextField(_("comprehensive opinion"), blank=True)
    rectification = models.TextField(_("rectification asked"), blank=True)
    leader_analysis = models.TextField(
        _("leading cadre's analysis"),
        blank=True,
        help_text=_(
            "Scientific outlook on development and correct view of achievements; "
            "views of power, status and interests; dual organisational life."
        ),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("campaign__organization", "member__branch")

    class Meta:
        verbose_name = _("member evaluation")
        verbose_name_plural = _("member evaluations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="evaluation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.member} {self.get_rating_display()}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


# --- Party-school rotation (document 1, 三（一）) ------------------------------------


class PartyPost(models.TextChoices):
    SECRETARY = "secretary", _("Secretary (head of the organisation)")
    DEPUTY = "deputy", _("Deputy secretary")
    COMMITTEE = "committee", _("Committee member")
    WORKER = "worker", _("Party affairs worker")


HEAD_POSTS = (PartyPost.SECRETARY,)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PartyWorker(models.Model):
    """A member holding a post in a grassroots organisation."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="party_posts")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post"), max_length=12, choices=PartyPost.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("grassroots party worker")
        verbose_name_plural = _("grassroots party workers")
        ordering = ["organization", "post"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="party_worker_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_post_display()} {self.organization}"


class SchoolLevel(models.TextChoices):
    COUNTY = "county", _("County party school")
    CITY = "city", _("City party school")
    PROVINCE = "province", _("Provincial party school")
    CENTRAL = "central", _("Central Party School")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PartySchoolTraining(models.Model):
    """A rotation course at a county-level or higher party school."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="school_trainings")
    school = models.CharField(_("party school"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=SchoolLevel.choices)
    starts_on = models.DateField(_("course starts"))
    ends_on = models.DateField(_("course ends"))
    course = models.CharField(_("course"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__branch"

    class Meta:
        verbose_name = _("party-school training")
        verbose_name_plural = _("party-school trainings")
        ordering = ["-ends_on"]
        indexes = [models.Index(fields=["member", "ends_on"], name="school_member_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="school_valid_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.school} {self.ends_on}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)
