"""Members serving the masses (document 2, 关于做好党员联系和服务群众工作的意见).

- Commitments (二（二）): 1–2 practical deeds a year per able member, approved by
  the branch, shown on a public board where the masses evaluate them.
- Pairings (二（一）): a member and a household in difficulty, with visits.
- Service posts (二（三）): posts set by rural and community branches, members
  applying or assigned, duties and a log.
- Volunteering (二（四）): public-welfare activities with hours.
- Research days (二（五）): leading cadres' days at contact points and other
  grassroots units, against a yearly requirement by level.
- Reception and cases (二（六）, 三（三）): reception schedules, the public's
  requests and complaints with a feedback deadline, outcome and satisfaction.
- Service stations and points (三（二）).
- Care for members in hardship.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet
from members.models import Member


def track():
    """Audit of every insert, update and delete (fresh trackers for each model)."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent()
    )


def _own_chain_q(cls, user, scope) -> Q:
    """The member role sees the rows of the organisations above its own branch
    (posts it may apply for, stations it may go to)."""
    paths = Organization.objects.filter(pk__in=scope.own_org_ids).values_list("path", flat=True)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(organization__path__ancestor_of=path)
    return condition


def _member_self_q(field: str):
    """The member role sees the rows of its own member record."""

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(**{f"{field}__user_id": user.pk})

    return scope_self_q


# --- Commitments (党员承诺) --------------------------------------------------------


class CommitmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for revision")
    DONE = "done", _("Fulfilled")
    NOT_DONE = "not_done", _("Not fulfilled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Statuses that count toward the yearly limit.
COUNTED_COMMITMENT = ("draft", "submitted", "approved", "returned", "done", "not_done")
PUBLIC_COMMITMENT = ("approved", "done", "not_done")
# A member has committed once the commitment went to the branch.
MADE_COMMITMENT = ("submitted", "approved", "done", "not_done")


@track()
class Commitment(models.Model):
    """A member's public commitment to do a practical deed for the masses."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="commitments")
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    content = models.TextField(_("what the member commits to do"))
    target_date = models.DateField(_("to be done by"))
    status = models.CharField(
        _("status"), max_length=12, choices=CommitmentStatus.choices, default="draft"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=300, blank=True)
    completed_on = models.DateField(_("fulfilled on"), null=True, blank=True)
    completion_note = models.TextField(_("how it was fulfilled"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "branch"
    scope_self_q = _member_self_q("member")

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-year", "target_date", "pk"]
        indexes = [models.Index(fields=["branch", "year", "status"], name="commitment_board")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False),
                name="commitment_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.content[:30]}"


@track()
class CommitmentProgress(models.Model):
    """Progress on a commitment, with optional evidence (a photo or document)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="progress")
    on = models.DateField(_("date"))
    note = models.TextField(_("progress"))
    evidence = models.FileField(_("evidence"), upload_to="outreach/evidence/", blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "commitment__branch"
    scope_self_q = _member_self_q("commitment__member")

    class Meta:
        verbose_name = _("commitment progress")
        verbose_name_plural = _("commitment progress")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.on}"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")


class CommitmentEvaluation(models.Model):
    """An evaluation left by a member of the public on the board; anonymous."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="evaluations")
    rating = models.CharField(_("evaluation"), max_length=12, choices=Rating.choices)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    # A salted hash of the client address: one evaluation per visitor and day.
    visitor = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden = models.BooleanField(_("hidden by the branch"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_field = "commitment__branch"

    class Meta:
        verbose_name = _("evaluation by the masses")
        verbose_name_plural = _("evaluations by the masses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.get_rating_display()}"


# --- Pairings (结对帮扶) ---------------------------------------------------------------


@track()
class Household(models.Model):
    """A household in difficulty (not party members): minimal personal data, kept
    only with its consent."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    head_name = models.CharField(_("head of the household"), max_length=64)
    locality = models.CharField(_("village or community"), max_length=100)
    difficulty = models.TextField(_("difficulty"))
    contact = models.CharField(_("contact"), max_length=40, blank=True)
    consent_on = models.DateField(
        _("consent given on"),
        help_text=_("The household agreed to be recorded for help (personal data)."),
    )
    closed_on = models.DateField(_("no longer in difficulty since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("household in difficulty")
        verbose_name_plural = _("households in difficulty")
        ordering = ["head_name", "pk"]

    def __str__(self) -> str:
        return f"{self.head_name}（{self.locality}）"


@track()
class Pairing(models.Model):
    """A member paired with a household in difficulty (document 2, 二（一）)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="pairings")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("paired since"))
    goal = models.CharField(_("what the help aims at"), max_length=300, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_note = models.TextField(_("closing note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "branch"
    scope_self_q = _member_self_q("member")

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "household"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_open",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pairing_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} ↔ {self.household}"


@track()
class PairingVisit(models.Model):
    """A visit or help given, and the household's own progress."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="visits")
    on = models.DateField(_("date"))
    help_given = models.TextField(_("help given"))
    household_progress = models.TextField(_("the household's progress"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "pairing__branch"
    scope_self_q = _member_self_q("pairing__member")

    class Meta:
        verbose_name = _("pairing visit")
        verbose_name_plural = _("pairing visits")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.on}"


# --- Service posts (设岗定责) ----------------------------------------------------------


@track()
class ServicePost(models.Model):
    """A post for contacting and serving the masses, set by a rural or community
    party organisation (document 2, 二（三）)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("post"), max_length=100)
    duties = models.TextField(_("duties"))
    places = models.PositiveSmallIntegerField(_("members needed"), default=1)
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"
    scope_self_q = classmethod(_own_chain_q)

    class Meta:
        verbose_name = _("service post")
        verbose_name_plural = _("service posts")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="post_places_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class PostHolderStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Holds the post")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


@track()
class PostHolder(models.Model):
    """A member on a post: applied (自主申报) or assigned (组织安排)."""

    post = models.ForeignKey(ServicePost, on_delete=models.PROTECT, related_name="holders")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="service_posts")
    applied = models.BooleanField(_("applied by the member"))
    status = models.CharField(
        _("status"), max_length=10, choices=PostHolderStatus.choices, default="applied"
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "post__organization"
    scope_self_q = _member_self_q("member")

    class Meta:
        verbose_name = _("post holder")
        verbose_name_plural = _("post holders")
        ordering = ["post", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"],
                condition=Q(status__in=["applied", "active"]),
                name="post_holder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.post}"


@track()
class PostLog(models.Model):
    """What the holder did on the post."""

    holder = models.ForeignKey(PostHolder, on_delete=models.CASCADE, related_name="logs")
    on = models.DateField(_("date"))
    note = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "holder__post__organization"
    scope_self_q = _member_self_q("holder__member")

    class Meta:
        verbose_name = _("post log entry")
        verbose_name_plural = _("post log")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.on}"


# --- Volunteering (社会公益活动) -------------------------------------------------------


class VolunteerKind(models.TextChoices):
    POVERTY = "poverty", _("Poverty relief")
    TEACHING = "teaching", _("Teaching support")
    ENVIRONMENT = "environment", _("Environmental protection")
    NEXT_GENERATION = "next_generation", _("Caring for the next generation")
    DONATION = "donation", _("Donation to people in hardship")
    CONVENIENCE = "convenience", _("Services for the neighbourhood")
    SERVICE_STATION = "service_station", _("Duty at a service station")
    OTHER = "other", _("Other")


@track()
class VolunteerRecord(models.Model):
    """A member's volunteering or public-welfare activity (document 2, 二（四）)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="volunteering")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=VolunteerKind.choices)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    organiser = models.CharField(_("organised by"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount donated (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "branch"
    scope_self_q = _member_self_q("member")

    class Meta:
        verbose_name = _("volunteering record")
        verbose_name_plural = _("volunteering records")
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["member", "on"], name="volunteer_member_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=24), name="volunteer_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.on} {self.get_kind_display()}"


# --- Care for members in hardship -------------------------------------------------------


class CareKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    MATERIAL = "material", _("Material support")
    MONEY = "money", _("Financial support")
    OTHER = "other", _("Other help")


@track()
class CareRecord(models.Model):
    """Help given by the party organisation to a member in hardship."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="care_records")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CareKind.choices)
    on = models.DateField(_("date"))
    support = models.TextField(_("support given"))
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    given_by = models.CharField(_("given by"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = "branch"
    scope_self_q = _member_self_q("member")

    class Meta:
        verbose_name = _("care record")
        verbose_name_plural = _("care records")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.member} {self.on}"


# --- Research at the grassroots (调查研究) --------------------------------------------


@track()
class ContactPoint(models.Model):
    """A leading cadre's contact point (联系点), preferably a weak unit."""

    leader = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contact_points")
    organization = models.ForeignKey(
        Organization, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    weak_unit = models.BooleanField(_("weak or lax unit"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("leader__branch", "organization")
    scope_self_q = _member_self_q("leader")

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["leader", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "organization"],
                condition=Q(until__isnull=True),
                name="contact_point_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} → {self.organization}"


@track()
class ResearchVisit(models.Model):
    """Days a leading cadre spent at a contact point or another grassroots unit
    (document 2, 二（五）)."""

    leader = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="research_visits")
    started_on = models.DateField(_("from"))
    days = models.DecimalField(_("days"), max_digits=4, decimal_places=1)
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    place = models.CharField(_("unit or place visited"), max_length=200)
    hardship_area = models.BooleanField(_("a hard-pressed, poor or troubled place"), default=False)
    findings = models.TextField(_("findings and opinions heard"))
    problems_solved = models.TextField(_("problems solved"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "leader__branch"
    scope_self_q = _member_self_q("leader")

    class Meta:
        verbose_name = _("research visit")
        verbose_name_plural = _("research visits")
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["leader", "started_on"], name="research_leader_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gt=0) & Q(days__lte=31), name="research_days_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} {self.started_on} {self.days}"


# --- Service stations, reception and cases ---------------------------------------------


class StationKind(models.TextChoices):
    STATION = "station", _("Service station")
    POINT = "point", _("Service point")


@track()
class ServiceStation(models.Model):
    """A party members' service station (党员服务站) or point (服务点), document 2,
    三（二）."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=StationKind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    services = models.TextField(_("services offered"))
    opening_hours = models.CharField(_("opening times"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("open"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"
    scope_self_q = classmethod(_own_chain_q)

    class Meta:
        verbose_name = _("service station or point")
        verbose_name_plural = _("service stations and points")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


@track()
class ReceptionSlot(models.Model):
    """A leader's scheduled reception of the public (document 2, 二（六）)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Member, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="receptions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"
    scope_self_q = _member_self_q("leader")

    class Meta:
        verbose_name = _("reception of the public")
        verbose_name_plural = _("receptions of the public")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="reception_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} {self.starts_at:%Y-%m-%d %H:%M}"


class CaseChannel(models.TextChoices):
    RECEPTION = "reception", _("Reception of the public")
    STATION = "station", _("Service station or point")
    SUGGESTION_BOX = "box", _("Suggestion box")
    HOTLINE = "hotline", _("Hotline")
    LETTER = "letter", _("Letter or visit (信访)")
    ONLINE = "online", _("Online")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    SOLVED = "solved", _("Solved")
    EXPLAINED = "explained", _("Not yet solvable: explained, followed up")
    CLOSED = "closed", _("Closed")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")
    UNKNOWN = "unknown", _("Not given")


@track()
class Case(models.Model):
    """A request or complaint of the public: who handles it, the feedback
    deadline, the outcome and the requester's satisfaction (document 2, 二（六）,
    三（三）)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation handling it"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("raised through"), max_length=10, choices=CaseChannel.choices)
    reception = models.ForeignKey(
        ReceptionSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    station = models.ForeignKey(
        ServiceStation, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    received_on = models.DateField(_("received on"))
    requester_name = models.CharField(_("requester"), max_length=64)
    requester_contact = models.CharField(_("requester's contact"), max_length=40, blank=True)
    request = models.TextField(_("request"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    feedback_due = models.DateField(_("feedback due"))
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default="open"
    )
    outcome = models.TextField(_("outcome"), blank=True)
    follow_up_department = models.CharField(
        _("department following it up"), max_length=100, blank=True
    )
    feedback_on = models.DateField(_("feedback given on"), null=True, blank=True)
    satisfaction = models.CharField(
        _("requester's satisfaction"),
        max_length=12,
        choices=Satisfaction.choices,
        default="unknown",
    )
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("case of the public")
        verbose_name_plural = _("cases of the public")
        ordering = ["feedback_due", "pk"]
        indexes = [
            models.Index(fields=["status", "feedback_due"], name="case_open_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(feedback_due__gte=models.F("received_on")),
                name="case_due_after_received",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(feedback_on__isnull=False),
                name="case_answered_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="explained") | ~Q(follow_up_department=""),
                name="case_explained_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_name} {self.received_on}"
