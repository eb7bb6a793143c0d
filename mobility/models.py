"""Mobile ("floating") members and the 《流动党员活动证》 (document 3).

An Episode is one stay away from the branch that holds the member's formal
relationship (the outflow branch). Its Certificate goes through the steps of
document 3, 三（一）: requested → stamped by the outflow grassroots committee →
issued with a number → checked in at the inflow organisation (verified and
filed with its upper organisation) → reviewed once a year → returned and
verified on coming home. Both sides see the episode; the inflow side sees
the member only through grants that expire.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.scoping import ScopedQuerySet
from members.models import Member


class Reason(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    RESIDENCE = "residence", _("Change of residence")
    STUDY = "study", _("Study")
    OTHER = "other", _("Other")


class EpisodeStatus(models.TextChoices):
    AWAY = "away", _("Away")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


class InflowBasis(models.TextChoices):
    # document 3, 三（二）, in order of preference
    EMPLOYER = "employer", _("Party organisation of the employer")
    COMMUNITY = "community", _("Community or village party organisation")
    CHAMBER = "chamber", _("Chamber of commerce or industry association")
    MOBILE_ORG = "mobile_org", _("Party organisation for mobile members")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Episode(models.Model):
    """A member away from the outflow branch for a long time (document 3, 一)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="episodes")
    outflow_branch = models.ForeignKey(
        Organization,
        verbose_name=_("outflow branch"),
        on_delete=models.PROTECT,
        related_name="outflow_episodes",
    )
    province = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, editable=False, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    destination_region = models.CharField(_("destination (region)"), max_length=100)
    destination_employer = models.CharField(_("employer"), max_length=200, blank=True)
    destination_address = models.CharField(_("address"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=100)
    reported_on = models.DateField(
        _("reported to the branch on"),
        help_text=_(
            "Before leaving the member reports where, when and why (document 3, 二（三）1)."
        ),
    )
    started_on = models.DateField(_("leaves on"))
    expected_return = models.DateField(_("expected return"), null=True, blank=True)
    inflow_organization = models.ForeignKey(
        Organization,
        verbose_name=_("inflow organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inflow_episodes",
    )
    inflow_basis = models.CharField(
        _("assigned through"), max_length=16, choices=InflowBasis.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EpisodeStatus.choices, default=EpisodeStatus.AWAY
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    return_review = models.TextField(_("review of the time away"), blank=True)
    last_contact_on = models.DateField(
        _("last contact"), help_text=_("The last report or certificate entry.")
    )
    lost_contact_since = models.DateField(_("lost contact since"), null=True, blank=True)
    # Document 3, 二（三）2: monthly dues in principle; quarterly for a member for whom
    # monthly payment is really difficult (e.g. moving often), as the outflow branch agrees.
    quarterly_dues = models.BooleanField(_("dues may be paid quarterly"), default=False)
    quarterly_dues_reason = models.CharField(
        _("why monthly dues are difficult"), max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # Both sides see the episode: the outflow branch and the inflow organisation.
    scope_field = ("outflow_branch", "inflow_organization")
    # The inflow side sees the episode only while the member is away there.
    scope_field_when = {"inflow_organization": Q(status="away")}

    class Meta:
        verbose_name = _("mobile-member episode")
        verbose_name_plural = _("mobile-member episodes")
        ordering = ["-started_on"]
        indexes = [
            models.Index(fields=["province", "status"], name="episode_province_status"),
            models.Index(fields=["status", "last_contact_on"], name="episode_contact"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarterly_dues=False) | ~Q(quarterly_dues_reason=""),
                name="episode_quarterly_dues_has_reason",
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="away"), name="episode_one_away"
            ),
            models.CheckConstraint(
                condition=Q(expected_return__isnull=True)
                | Q(expected_return__gte=models.F("started_on")),
                name="episode_return_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(returned_on__isnull=False),
                name="episode_returned_has_date",
            ),
            models.CheckConstraint(
                condition=Q(inflow_organization__isnull=True) | ~Q(inflow_basis=""),
                name="episode_inflow_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.destination_region} ({self.started_on})"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


class CertificateStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested by the branch")
    STAMPED = "stamped", _("Stamped by the grassroots committee")
    ISSUED = "issued", _("Issued")
    CHECKED_IN = "checked_in", _("Checked in at the inflow organisation")
    RETURNED = "returned", _("Returned and verified")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_CERTIFICATE = ("requested", "stamped", "issued", "checked_in")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Certificate(models.Model):
    """The 《流动党员活动证》 of one episode; each step records who and when."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="certificates")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(_("certificate number"), max_length=32, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CertificateStatus.choices,
        default=CertificateStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    stamped_by_org = models.ForeignKey(
        Organization,
        verbose_name=_("stamped by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stamped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stamped_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    checked_in_org = models.ForeignKey(
        Organization,
        verbose_name=_("checked in at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    filed_with = models.ForeignKey(
        Organization,
        verbose_name=_("filed with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The inflow organisation's upper organisation (备案)."),
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    verification_code = models.CharField(max_length=16, unique=True, editable=False)
    pdf = models.FileField(upload_to="certificates/", blank=True, max_length=200)
    pdf_version = models.CharField(max_length=64, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_field = ("episode__outflow_branch", "episode__inflow_organization")
    scope_field_when = {"episode__inflow_organization": Q(episode__status="away")}

    class Meta:
        verbose_name = _("mobile member certificate")
        verbose_name_plural = _("mobile member certificates")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="certificate_number_unique"
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=ACTIVE_CERTIFICATE),
                name="certificate_one_active_per_member",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "stamped", "cancelled"]) | ~Q(number=""),
                name="certificate_issued_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.member} ({self.get_status_display()})"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(member__user_id=user.pk)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CertificateReview(models.Model):
    """The yearly review of the certificate (document 3, 三（一）)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("year"))
    organization = models.ForeignKey(
        Organization, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField(_("reviewed on"))
    notes = models.TextField(_("notes"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = (
        "certificate__episode__outflow_branch",
        "certificate__episode__inflow_organization",
    )
    scope_field_when = {
        "certificate__episode__inflow_organization": Q(certificate__episode__status="away")
    }

    class Meta:
        verbose_name = _("certificate review")
        verbose_name_plural = _("certificate reviews")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "year"], name="certificate_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.year}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(certificate__member__user_id=user.pk)


class EntryKind(models.TextChoices):
    ORG_LIFE = "org_life", _("Organisational life attended")
    DUES = "dues", _("Dues paid")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CertificateEntry(models.Model):
    """What the inflow organisation writes on the certificate (document 3, 二（二）4)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    on = models.DateField(_("date"))
    organization = models.ForeignKey(
        Organization, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    activity = models.ForeignKey(
        "education.Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    dues = models.OneToOneField(
        "members.DuesPayment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = (
        "certificate__episode__outflow_branch",
        "certificate__episode__inflow_organization",
    )
    scope_field_when = {
        "certificate__episode__inflow_organization": Q(certificate__episode__status="away")
    }

    class Meta:
        verbose_name = _("certificate entry")
        verbose_name_plural = _("certificate entries")
        ordering = ["-on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="dues") | Q(dues__isnull=False), name="entry_dues_has_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.on} {self.get_kind_display()}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(certificate__member__user_id=user.pk)


class ReportKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly report")
    CHANGE = "change", _("Change of address, employer or contact")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class MemberReport(models.Model):
    """The member's report to the outflow organisation (document 3, 二（三）3)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    on = models.DateField(_("date"))
    thoughts = models.TextField(_("thoughts"), blank=True)
    work = models.TextField(_("work"), blank=True)
    org_life = models.TextField(_("organisational life"), blank=True)
    new_region = models.CharField(_("new destination (region)"), max_length=100, blank=True)
    new_address = models.CharField(_("new address"), max_length=200, blank=True)
    new_employer = models.CharField(_("new employer"), max_length=200, blank=True)
    new_contact = models.CharField(_("new contact"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # The member reports to the outflow organisation (document 3, 二（三）3).
    scope_field = "episode__outflow_branch"

    class Meta:
        verbose_name = _("mobile member report")
        verbose_name_plural = _("mobile member reports")
        ordering = ["-on"]

    def __str__(self) -> str:
        return f"{self.episode.member} {self.get_kind_display()} {self.on}"

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        return Q(episode__member__user_id=user.pk)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class InflowOpinion(models.Model):
    """The inflow organisation's opinion on a probationary member's conversion
    (document 3, 二（一）5 and 二（二）5)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="opinions")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField(_("opinion"))
    recommends_conversion = models.BooleanField(_("recommends conversion on time"))
    given_on = models.DateField(_("date"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_field = ("episode__outflow_branch", "episode__inflow_organization")
    scope_field_when = {"episode__inflow_organization": Q(episode__status="away")}

    class Meta:
        verbose_name = _("inflow organisation's opinion")
        verbose_name_plural = _("inflow organisations' opinions")
        ordering = ["-given_on"]

    def __str__(self) -> str:
        return f"{self.episode.member} {self.given_on}"


class YearReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    ACCEPTED = "accepted", _("Accepted")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class MobilityYearReport(models.Model):
    """A city or county organization department's year-end report on mobile
    members to the one above (document 3, 四)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="mobility_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=12, choices=YearReportStatus.choices, default="draft"
    )
    figures = models.JSONField(_("figures"), default=dict)
    narrative = models.TextField(_("narrative"), blank=True)
    pdf = models.FileField(upload_to="mobility-reports/", blank=True, max_length=200)
    xlsx = models.FileField(upload_to="mobility-reports/", blank=True, max_length=200)
    generated_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("year-end mobility report")
        verbose_name_plural = _("year-end mobility reports")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="mobility_report_once_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"
