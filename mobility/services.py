"""Writes of the mobile-member workflow (document 3): episodes, the
《流动党员活动证》 steps, entries and the inflow side's grants.

Keyword-only, atomic, scope checked inside the transaction, under a
pghistory context naming the actor. Each step records who and when and
refuses an illegal transition with a ValidationError on "status".
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

import pghistory
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, OrgKind, Role, RoleAssignment, User
from branches.policies import policy_in_force
from members.models import Member

from .certificate_pdf import queue_render
from .cycles import resolve_review_reminders
from .models import (
    ACTIVE_CERTIFICATE,
    Certificate,
    CertificateEntry,
    CertificateReview,
    CertificateStatus,
    EntryKind,
    Episode,
    EpisodeStatus,
    InflowBasis,
)

GRANT_DAYS_AFTER_RETURN = 90
INFLOW_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GRASSROOTS_COMMITTEE)
INFLOW_ROLES = (Role.SECRETARY, Role.DEPUTY)
NUMBER_LOCK = 0x6D6F_6200  # advisory lock namespace for certificate numbers


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def _status_error(certificate: Certificate, expected: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("Certificate %(cert)s is “%(status)s”; expected: %(expected)s.")
            % {
                "cert": certificate,
                "status": certificate.get_status_display(),
                "expected": expected,
            }
        }
    )


def _lock_certificate(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update()
        .select_related("episode", "member")
        .get(pk=certificate.pk)
    )


def grassroots_committee_of(branch: Organization) -> Organization:
    """The nearest ancestor that is a grassroots committee, else the parent."""
    nearest = (
        Organization.objects.filter(
            path__ancestor_of=branch.path, kind=OrgKind.GRASSROOTS_COMMITTEE
        )
        .exclude(pk=branch.pk)
        .order_by("-depth")
        .first()
    )
    return nearest or branch.parent or branch


def touch_contact(episode: Episode, on: date) -> None:
    """A report or entry is contact: move last_contact_on forward, clear lost contact."""
    Episode.objects.filter(pk=episode.pk, last_contact_on__lt=on).update(last_contact_on=on)
    Episode.objects.filter(pk=episode.pk, lost_contact_since__lte=on).update(
        lost_contact_since=None
    )
    # Keep the caller's object in step with the row.
    if episode.last_contact_on is None or on > episode.last_contact_on:
        episode.last_contact_on = on
    if episode.lost_contact_since is not None and episode.lost_contact_since <= on:
        episode.lost_contact_since = None


# --- Episodes ---------------------------------------------------------------------


@transaction.atomic
def episode_create(
    *,
    actor: User,
    member: Member,
    reason: str,
    destination_region: str,
    contact: str,
    reported_on: date,
    started_on: date,
    expected_return: date | None = None,
    destination_employer: str = "",
    destination_address: str = "",
) -> Episode:
    """The outflow branch registers a member leaving (document 3, 二（一）)."""
    with _audit(actor, "mobility.episode_create"):
        member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        if member.left_on is not None:
            raise ValidationError({"member": _("%(name)s has left.") % {"name": member}})
        away = Episode.objects.filter(member=member, status=EpisodeStatus.AWAY).first()
        if away is not None:
            raise ValidationError(
                {
                    "member": _("%(name)s is already registered as away since %(on)s.")
                    % {"name": member, "on": away.started_on}
                }
            )
        if not destination_region.strip():
            raise ValidationError({"destination_region": _("Say where the member goes.")})
        if not contact.strip():
            raise ValidationError({"contact": _("Give a way to contact the member.")})
        if expected_return is not None and expected_return < started_on:
            raise ValidationError(
                {"expected_return": _("The expected return is before the day of leaving.")}
            )
        if reported_on > started_on + timedelta(days=30):
            raise ValidationError(
                {"reported_on": _("The member reports to the branch before leaving.")}
            )
        episode = Episode(
            member=member,
            outflow_branch=member.branch,
            province_id=member.branch.province_id,
            reason=reason,
            destination_region=destination_region.strip(),
            destination_employer=destination_employer.strip(),
            destination_address=destination_address.strip(),
            contact=contact.strip(),
            reported_on=reported_on,
            started_on=started_on,
            expected_return=expected_return,
            last_contact_on=max(reported_on, started_on),
            created_by=actor,
        )
        episode.full_clean(exclude=["province", "created_by"], validate_constraints=False)
        episode.save()
        return episode


# --- Certificate steps -------------------------------------------------------------


@transaction.atomic
def certificate_request(*, actor: User, episode: Episode) -> Certificate:
    """The outflow branch asks for a certificate for an episode away."""
    with _audit(actor, "mobility.certificate_request"):
        episode = Episode.objects.select_for_update().select_related("member").get(pk=episode.pk)
        scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
        if episode.status != EpisodeStatus.AWAY:
            raise ValidationError({"status": _("Only a member who is away can get a certificate.")})
        active = Certificate.objects.filter(
            member_id=episode.member_id, status__in=ACTIVE_CERTIFICATE
        ).first()
        if active is not None:
            raise ValidationError(
                {
                    "status": _("%(name)s already has an active certificate: %(cert)s.")
                    % {"name": episode.member, "cert": active}
                }
            )
        return Certificate.objects.create(
            episode=episode,
            member_id=episode.member_id,
            requested_by=actor,
            verification_code=_new_verification_code(),
        )


# Upper-case letters and digits without look-alikes (0/O, 1/I/L): typed off paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _new_verification_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Certificate.objects.filter(verification_code=code).exists():
            return code


def normalize_code(code: str) -> str:
    """What a person typed: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def issued_certificate(number: str, code: str) -> Certificate | None:
    """The certificate with this number AND verification code, else None.

    Both are printed on the paper certificate; the number alone (sequential)
    must not reveal whose certificate it is.
    """
    number, code = (number or "").strip(), normalize_code(code)
    if not number or not code:
        return None
    return (
        Certificate.objects.filter(number=number, verification_code__iexact=code)
        .select_related("member", "episode", "episode__outflow_branch")
        .first()
    )


@transaction.atomic
def certificate_stamp(*, actor: User, certificate: Certificate) -> Certificate:
    """The outflow grassroots committee stamps the certificate (document 3, 三（一）)."""
    with _audit(actor, "mobility.certificate_stamp"):
        certificate = _lock_certificate(certificate)
        committee = grassroots_committee_of(certificate.episode.outflow_branch)
        scoping.require(actor, scoping.CHANGE, committee)
        if certificate.status != CertificateStatus.REQUESTED:
            raise _status_error(certificate, _("a requested certificate is stamped"))
        certificate.status = CertificateStatus.STAMPED
        certificate.stamped_by_org = committee
        certificate.stamped_by = actor
        certificate.stamped_at = timezone.now()
        certificate.save(update_fields=["status", "stamped_by_org", "stamped_by", "stamped_at"])
        queue_render(certificate)
        return certificate


def _next_number(province: Organization, year: int) -> str:
    """`<province code>-<year>-<6 digits>`; an advisory lock per province makes it race-free."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK, province.pk])
    prefix = f"{province.code}-{year}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


@transaction.atomic
def certificate_issue(*, actor: User, certificate: Certificate) -> Certificate:
    """The outflow branch issues the stamped certificate and it gets its number."""
    with _audit(actor, "mobility.certificate_issue"):
        certificate = _lock_certificate(certificate)
        branch = certificate.episode.outflow_branch
        scoping.require(actor, scoping.CHANGE, branch)
        if certificate.status != CertificateStatus.STAMPED:
            raise _status_error(certificate, _("the grassroots committee stamps it first"))
        province = Organization.objects.get(pk=branch.province_id or branch.pk)
        certificate.number = _next_number(province, timezone.localdate().year)
        certificate.status = CertificateStatus.ISSUED
        certificate.issued_by = actor
        certificate.issued_at = timezone.now()
        certificate.save(update_fields=["number", "status", "issued_by", "issued_at"])
        queue_render(certificate)
        return certificate


def _grant_expiry(episode: Episode) -> datetime:
    """A year from now at least (the yearly review renews it), longer when the
    expected return is later; the return or a cancellation ends it."""
    at_least = timezone.now() + timedelta(days=365)
    if episode.expected_return:
        day = episode.expected_return + timedelta(days=GRANT_DAYS_AFTER_RETURN)
        return max(at_least, timezone.make_aware(datetime.combine(day, datetime.min.time())))
    return at_least


def inflow_users(organization: Organization) -> list[User]:
    """Users holding a current secretary or deputy role on the inflow organisation."""
    return list(
        User.objects.filter(
            pk__in=RoleAssignment.objects.active()
            .filter(organization=organization, role__in=INFLOW_ROLES)
            .values("user_id")
        )
    )


def _grant_inflow(certificate: Certificate, expires_at: datetime, users=None) -> None:
    from branches.services import grant_object_permission

    if users is None:
        users = inflow_users(certificate.episode.inflow_organization)
    for user in users:
        grant_object_permission(
            actor=None,
            user=user,
            obj=certificate.member,
            action=scoping.VIEW,
            expires_at=expires_at,
            reason=f"certificate {certificate.number}",
        )


@transaction.atomic
def certificate_check_in(
    *, actor: User, number: str, code: str, inflow_organization: Organization, basis: str
) -> Certificate:
    """The inflow organisation (any province) verifies the certificate by its number
    and verification code and checks the member in; it is filed with its upper
    organisation (document 3, 二（二）)."""
    with _audit(actor, "mobility.certificate_check_in"):
        inflow = Organization.objects.get(pk=inflow_organization.pk)
        scoping.require(actor, scoping.CHANGE, inflow)
        certificate = issued_certificate(number, code)
        if certificate is None:
            raise ValidationError(
                {
                    "number": _(
                        "No certificate has the number “%(number)s” with this verification code."
                    )
                    % {"number": (number or "").strip()}
                }
            )
        certificate = _lock_certificate(certificate)
        if certificate.status == CertificateStatus.CHECKED_IN:
            raise ValidationError(
                {
                    "status": _("Certificate %(cert)s is already checked in at %(org)s.")
                    % {"cert": certificate, "org": certificate.checked_in_org}
                }
            )
        if certificate.status != CertificateStatus.ISSUED:
            raise _status_error(certificate, _("an issued certificate is checked in"))
        if basis not in InflowBasis.values:
            raise ValidationError({"basis": _("Choose how the member is assigned.")})
        if inflow.kind not in INFLOW_KINDS or inflow.dissolved:
            raise ValidationError(
                {"inflow_organization": _("Choose a live grassroots party organisation.")}
            )
        if inflow.pk == certificate.episode.outflow_branch_id:
            raise ValidationError(
                {"inflow_organization": _("The inflow organisation is the outflow branch.")}
            )
        episode = Episode.objects.select_for_update().get(pk=certificate.episode_id)
        episode.inflow_organization = inflow
        episode.inflow_basis = basis
        episode.save(update_fields=["inflow_organization", "inflow_basis"])
        certificate.episode = episode
        certificate.status = CertificateStatus.CHECKED_IN
        certificate.checked_in_org = inflow
        certificate.checked_in_by = actor
        certificate.checked_in_at = timezone.now()
        certificate.filed_with = inflow.parent
        certificate.save(
            update_fields=[
                "status",
                "checked_in_org",
                "checked_in_by",
                "checked_in_at",
                "filed_with",
            ]
        )
        _grant_inflow(certificate, _grant_expiry(episode))
        touch_contact(episode, timezone.localdate())
        queue_render(certificate)
        return certificate


def _outflow_or_inflow(actor: User, episode: Episode) -> Organization:
    """The side the actor writes for: the outflow branch, else the inflow organisation."""
    if scoping.can(actor, scoping.CHANGE, episode.outflow_branch):
        scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
        return episode.outflow_branch
    if episode.inflow_organization_id:
        scoping.require(actor, scoping.CHANGE, episode.inflow_organization)
        return episode.inflow_organization
    scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
    return episode.outflow_branch


@transaction.atomic
def certificate_review(
    *, actor: User, certificate: Certificate, year: int, reviewed_on: date, notes: str = ""
) -> CertificateReview:
    """The yearly review (document 3, 三（一）); it extends the inflow grants a year."""
    with _audit(actor, "mobility.certificate_review"):
        certificate = _lock_certificate(certificate)
        organization = _outflow_or_inflow(actor, certificate.episode)
        if certificate.status not in (CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN):
            raise _status_error(certificate, _("an issued or checked-in certificate is reviewed"))
        if reviewed_on > timezone.localdate():
            raise ValidationError({"reviewed_on": _("The date is in the future.")})
        if reviewed_on.year != year:
            raise ValidationError(
                {"reviewed_on": _("The review date is not in %(year)s.") % {"year": year}}
            )
        if certificate.reviews.filter(year=year).exists():
            raise ValidationError(
                {
                    "year": _("Certificate %(cert)s was already reviewed in %(year)s.")
                    % {"cert": certificate, "year": year}
                }
            )
        review = CertificateReview.objects.create(
            certificate=certificate,
            year=year,
            organization=organization,
            reviewed_on=reviewed_on,
            notes=notes.strip(),
            reviewed_by=actor,
        )
        resolve_review_reminders(certificate)
        if certificate.status == CertificateStatus.CHECKED_IN:
            episode = certificate.episode
            base = max(_grant_expiry(episode), timezone.now())
            _grant_inflow(certificate, base + timedelta(days=365))
            touch_contact(episode, reviewed_on)
        queue_render(certificate)
        return review


def _revoke_inflow(certificate: Certificate) -> None:
    from branches.services import revoke_object_permission

    if not certificate.episode.inflow_organization_id:
        return
    for user in inflow_users(certificate.episode.inflow_organization):
        revoke_object_permission(actor=None, user=user, obj=certificate.member, action=scoping.VIEW)
    if certificate.number:  # also users who left the role since the check-in
        from guardian.models import UserObjectPermission

        UserObjectPermission.objects.filter(
            object_pk=str(certificate.member_id),
            permission__codename="view_member",
            expiry__reason=f"certificate {certificate.number}",
        ).delete()


@transaction.atomic
def certificate_return(
    *, actor: User, certificate: Certificate, returned_on: date, review: str = ""
) -> Certificate:
    """The member comes home: the outflow branch verifies the certificate, writes the
    review of the time away and the inflow side's grants end."""
    with _audit(actor, "mobility.certificate_return"):
        certificate = _lock_certificate(certificate)
        episode = Episode.objects.select_for_update().get(pk=certificate.episode_id)
        scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
        if certificate.status not in (CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN):
            raise _status_error(certificate, _("an issued or checked-in certificate is returned"))
        _return_date_check(episode, returned_on)
        certificate.status = CertificateStatus.RETURNED
        certificate.returned_by = actor
        certificate.returned_at = timezone.now()
        certificate.save(update_fields=["status", "returned_by", "returned_at"])
        episode.status = EpisodeStatus.RETURNED
        episode.returned_on = returned_on
        episode.return_review = review.strip()
        episode.save(update_fields=["status", "returned_on", "return_review"])
        certificate.episode = episode
        _revoke_inflow(certificate)
        resolve_review_reminders(certificate)
        queue_render(certificate)
        return certificate


def _return_date_check(episode: Episode, returned_on: date) -> None:
    if returned_on > timezone.localdate():
        raise ValidationError({"returned_on": _("The date is in the future.")})
    if returned_on < episode.started_on:
        raise ValidationError({"returned_on": _("The return is before the day of leaving.")})


def _episode_without_certificate(actor: User, episode: Episode) -> Episode:
    episode = Episode.objects.select_for_update().select_related("member").get(pk=episode.pk)
    scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
    if episode.status != EpisodeStatus.AWAY:
        raise ValidationError(
            {"status": _("%(name)s is no longer registered as away.") % {"name": episode.member}}
        )
    active = episode.certificates.filter(status__in=ACTIVE_CERTIFICATE).first()
    if active is not None:
        raise ValidationError(
            {
                "status": _("Certificate %(cert)s is still in use: return or cancel it first.")
                % {"cert": active}
            }
        )
    return episode


@transaction.atomic
def episode_return(
    *, actor: User, episode: Episode, returned_on: date, review: str = ""
) -> Episode:
    """The member is back and has no certificate in use (never issued, or cancelled)."""
    with _audit(actor, "mobility.episode_return"):
        episode = _episode_without_certificate(actor, episode)
        _return_date_check(episode, returned_on)
        episode.status = EpisodeStatus.RETURNED
        episode.returned_on = returned_on
        episode.return_review = review.strip()
        episode.save(update_fields=["status", "returned_on", "return_review"])
        return episode


@transaction.atomic
def episode_cancel(*, actor: User, episode: Episode, reason: str) -> Episode:
    """The registration was a mistake (the member did not leave)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with _audit(actor, "mobility.episode_cancel"):
        episode = _episode_without_certificate(actor, episode)
        episode.status = EpisodeStatus.CANCELLED
        episode.return_review = reason.strip()
        episode.save(update_fields=["status", "return_review"])
        return episode


@transaction.atomic
def episode_set_dues_period(
    *, actor: User, episode: Episode, quarterly: bool, reason: str = ""
) -> Episode:
    """The outflow branch lets one member pay dues quarterly (document 3, 二（三）2:
    "按月交纳确有困难的，可以按季交纳"), or takes it back."""
    reason = (reason or "").strip()
    if quarterly and not reason:
        raise ValidationError(
            {"quarterly_dues_reason": _("Say why monthly payment is really difficult.")}
        )
    with _audit(actor, "mobility.episode_dues_period"):
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        scoping.require(actor, scoping.CHANGE, episode.outflow_branch)
        if episode.status != EpisodeStatus.AWAY:
            raise ValidationError(
                {
                    "status": _("%(name)s is no longer registered as away.")
                    % {"name": episode.member}
                }
            )
        episode.quarterly_dues = quarterly
        episode.quarterly_dues_reason = reason[:200] if quarterly else ""
        episode.save(update_fields=["quarterly_dues", "quarterly_dues_reason"])
        return episode


@transaction.atomic
def certificate_cancel(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The outflow branch cancels an active certificate (lost, issued in error)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with _audit(actor, "mobility.certificate_cancel"):
        certificate = _lock_certificate(certificate)
        scoping.require(actor, scoping.CHANGE, certificate.episode.outflow_branch)
        if certificate.status not in ACTIVE_CERTIFICATE:
            raise _status_error(certificate, _("only an active certificate is cancelled"))
        certificate.status = CertificateStatus.CANCELLED
        certificate.cancelled_reason = reason.strip()
        certificate.save(update_fields=["status", "cancelled_reason"])
        _revoke_inflow(certificate)
        resolve_review_reminders(certificate)
        queue_render(certificate)
        return certificate


# --- Entries by the inflow organisation -------------------------------------------------


def _checked_in_for_inflow(actor: User, certificate: Certificate) -> Certificate:
    certificate = _lock_certificate(certificate)
    if certificate.status != CertificateStatus.CHECKED_IN:
        # Scope first: an outsider learns nothing about the status.
        scoping.require(actor, scoping.CHANGE, certificate.episode.outflow_branch)
        raise _status_error(certificate, _("the inflow organisation checks the member in first"))
    scoping.require(actor, scoping.CHANGE, certificate.episode.inflow_organization)
    if not Member.objects.visible_to(actor).filter(pk=certificate.member_id).exists():
        # Someone who took up a role at the inflow organisation after the check-in.
        _grant_inflow(certificate, _grant_expiry(certificate.episode), users=[actor])
    return certificate


def _entry_date_check(certificate: Certificate, on: date, field: str) -> None:
    if on > timezone.localdate():
        raise ValidationError({field: _("The date is in the future.")})
    checked_in = timezone.localdate(certificate.checked_in_at)
    if on < checked_in:
        raise ValidationError(
            {
                field: _("The member checked in here on %(day)s; the date is before that.")
                % {"day": checked_in}
            }
        )


@transaction.atomic
def entry_org_life(
    *, actor: User, certificate: Certificate, on: date, activity=None, description: str = ""
) -> CertificateEntry:
    """The inflow organisation writes down organisational life attended (二（二）4)."""
    with _audit(actor, "mobility.entry_org_life"):
        certificate = _checked_in_for_inflow(actor, certificate)
        _entry_date_check(certificate, on, "on")
        if activity is None and not (description or "").strip():
            raise ValidationError({"description": _("Say what the member took part in.")})
        entry = CertificateEntry.objects.create(
            certificate=certificate,
            kind=EntryKind.ORG_LIFE,
            on=on,
            organization=certificate.episode.inflow_organization,
            activity=activity,
            description=(description or "").strip()[:200],
            recorded_by=actor,
        )
        touch_contact(certificate.episode, on)
        queue_render(certificate)
        return entry


@transaction.atomic
def entry_dues(
    *, actor: User, certificate: Certificate, period_start: date, months: int, amount, paid_on: date
) -> CertificateEntry:
    """Dues paid to the inflow organisation, written on the certificate (二（三）2)."""
    from members.services import dues_record

    with _audit(actor, "mobility.entry_dues"):
        certificate = _checked_in_for_inflow(actor, certificate)
        _entry_date_check(certificate, paid_on, "paid_on")
        period = policy_in_force(certificate.episode.outflow_branch, "mobile_dues_period", paid_on)
        if months not in (1, 3):
            raise ValidationError({"months": _("Dues are paid for one month or one quarter.")})
        if months == 3 and period != "quarterly" and not certificate.episode.quarterly_dues:
            raise ValidationError(
                {
                    "months": _(
                        "Dues are monthly for this member (the outflow branch's policy, and no "
                        "quarterly payment agreed for the member); pay one month at a time."
                    )
                }
            )
        inflow = certificate.episode.inflow_organization
        payment = dues_record(
            actor=actor,
            member=certificate.member,
            period_start=period_start,
            amount=amount,
            paid_on=paid_on,
            months=months,
            received_by=inflow,
        )
        entry = CertificateEntry.objects.create(
            certificate=certificate,
            kind=EntryKind.DUES,
            on=paid_on,
            organization=inflow,
            dues=payment,
            description=_("Dues for %(period)s") % {"period": period_start.strftime("%Y-%m")},
            recorded_by=actor,
        )
        touch_contact(certificate.episode, paid_on)
        queue_render(certificate)
        return entry
