"""Writes on member records. Keyword-only, atomic, scope checked inside the
transaction, under a pghistory context naming the actor."""

from __future__ import annotations

from datetime import date

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, OrgKind, User
from dashboards import changes

from . import idcard
from .models import (
    ConversionDecision,
    ConversionOutcome,
    DuesPayment,
    FlagKind,
    Handling,
    HandlingStage,
    IdReveal,
    LeaveReason,
    Member,
    MemberFlag,
    MemberStatus,
    Transfer,
    TransferStatus,
)

TRANSFER_ANSWER_DAYS = 30

MEMBER_FIELDS = {
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "phone",
    "joined_on",
    "status",
    "full_since",
    "employer_sector",
    "leadership_level",
}


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _branch_for_members(actor: User, branch: Organization) -> Organization:
    branch = Organization.objects.get(pk=branch.pk)
    scoping.require(actor, scoping.CHANGE, branch)
    if branch.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
        raise ValidationError(
            {"branch": _("Members belong to a party branch, not to %(org)s.") % {"org": branch}}
        )
    if branch.dissolved is not None:
        raise ValidationError({"branch": _("%(org)s is dissolved.") % {"org": branch}})
    return branch


def _set_id_number(member: Member, raw: str) -> None:
    try:
        number = idcard.normalize(raw)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    digest = idcard.keyed_hash(number)
    # Where the duplicate is recorded is not said: it may be out of the user's reach.
    if Member.objects.filter(id_number_hash=digest).exclude(pk=member.pk).exists():
        raise ValidationError(
            {"id_number": _("A member with this ID-card number is already recorded.")}
        )
    member.id_number_encrypted = idcard.encrypt(number)
    member.id_number_hash = digest
    member.id_number_masked = idcard.mask(number)


def _apply_status_dates(member: Member) -> None:
    if member.status == MemberStatus.PROBATIONARY:
        extended = (
            member.pk
            and member.conversion_decisions.filter(outcome=ConversionOutcome.EXTENDED).exists()
        )
        if not extended:  # one year after admission, also when the admission date is corrected
            member.conversion_due = one_year_after(member.joined_on)
        member.full_since = None
    elif member.status == MemberStatus.FULL:
        member.conversion_due = None
        if member.full_since is None:
            raise ValidationError(
                {"full_since": _("Give the day the member became a full member.")}
            )


@transaction.atomic
def member_create(*, actor: User, branch: Organization, id_number: str, **fields) -> Member:
    unknown = set(fields) - MEMBER_FIELDS
    if unknown:
        raise ValidationError(_("Unknown member fields: %s") % ", ".join(sorted(unknown)))
    with _audit(actor, "member.create"):
        branch = _branch_for_members(actor, branch)
        member = Member(branch=branch, province_id=branch.province_id, **fields)
        _set_id_number(member, id_number)
        _apply_status_dates(member)
        member.full_clean(exclude=["user", "province"])
        member.save()
        return member


@transaction.atomic
def member_update(
    *, actor: User, member: Member, id_number: str | None = None, **changes
) -> Member:
    """Change a member's record; the branch changes only by a transfer."""
    unknown = set(changes) - MEMBER_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    with _audit(actor, "member.update"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        for key, value in changes.items():
            setattr(member, key, value)
        if id_number:
            _set_id_number(member, id_number)
        _apply_status_dates(member)
        member.full_clean(exclude=["user", "province"])
        member.save()
        return member


@transaction.atomic
def member_leave(*, actor: User, member: Member, on: date, reason: str) -> Member:
    """Record that a member left (the record is kept, never deleted)."""
    if reason not in LeaveReason.values:
        raise ValidationError({"left_reason": _("Choose why the member left.")})
    with _audit(actor, "member.leave"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        if member.left_on is not None:
            raise ValidationError(
                {
                    "left_on": _("%(name)s already left on %(day)s.")
                    % {"name": member, "day": member.left_on}
                }
            )
        member.left_on = on
        member.left_reason = reason
        member.save(update_fields=["left_on", "left_reason", "updated_at"])
        # A transfer still waiting makes no sense any more.
        member.transfers.filter(status=TransferStatus.PENDING).update(
            status=TransferStatus.CANCELLED, decided_by=actor, decided_at=timezone.now()
        )
        return member


@transaction.atomic
def member_reveal_id_number(*, actor: User, member: Member) -> str:
    """The full number, for those who may change the member; every reveal is kept."""
    member = Member.objects.select_related("branch").get(pk=member.pk)
    scoping.require(actor, scoping.CHANGE, member.branch)
    IdReveal.objects.create(member=member, user=actor)
    return idcard.decrypt(member.id_number_encrypted)


@transaction.atomic
def member_set_flag(
    *, actor: User, member: Member, kind: str, on: date | None = None, note: str = ""
) -> MemberFlag:
    if kind not in FlagKind.values:
        raise ValidationError({"kind": _("Unknown flag.")})
    with _audit(actor, "member.flag"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        existing = member.flags.filter(kind=kind, cleared_on__isnull=True).first()
        if existing is not None:
            return existing
        return MemberFlag.objects.create(
            member=member, kind=kind, note=note, set_on=on or timezone.localdate(), set_by=actor
        )


@transaction.atomic
def member_clear_flag(*, actor: User, member: Member, kind: str, on: date | None = None) -> int:
    with _audit(actor, "member.unflag"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        changes.touch(member.branch_id)
        return member.flags.filter(kind=kind, cleared_on__isnull=True).update(
            cleared_on=on or timezone.localdate(), cleared_by=actor
        )


@transaction.atomic
def member_link_user(*, actor: User, member: Member, user: User) -> Member:
    """Give a member their own login (the member role on their branch follows)."""
    from branches.models import Role, RoleAssignment

    with _audit(actor, "member.link_user"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        if Member.objects.filter(user=user).exclude(pk=member.pk).exists():
            raise ValidationError({"user": _("This login already belongs to another member.")})
        member.user = user
        member.save(update_fields=["user", "updated_at"])
        # The member role follows from the record; whoever may change the
        # record may give it (no manage_roles needed).
        if (
            not RoleAssignment.objects.active()
            .filter(user=user, role=Role.MEMBER, organization=member.branch)
            .exists()
        ):
            RoleAssignment.objects.create(
                user=user,
                role=Role.MEMBER,
                organization=member.branch,
                valid_from=timezone.localdate(),
                granted_by=actor,
            )
        return member


@transaction.atomic
def conversion_decide(
    *,
    actor: User,
    member: Member,
    outcome: str,
    decided_on: date,
    extended_until: date | None = None,
    note: str = "",
) -> ConversionDecision:
    """Record the branch's decision on a probationary member (预备党员转正)."""
    with _audit(actor, "member.conversion"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        if member.status != MemberStatus.PROBATIONARY or member.left_on is not None:
            raise ValidationError(
                {"outcome": _("%(name)s is not a current probationary member.") % {"name": member}}
            )
        if outcome == ConversionOutcome.EXTENDED:
            # Probation may be extended once, by at most one year in all.
            if member.conversion_decisions.filter(outcome=ConversionOutcome.EXTENDED).exists():
                raise ValidationError(
                    {
                        "outcome": _("Probation of %(name)s was already extended once.")
                        % {"name": member}
                    }
                )
            latest = one_year_after(member.conversion_due)
            if extended_until is None or not member.conversion_due < extended_until <= latest:
                raise ValidationError(
                    {
                        "extended_until": _(
                            "Probation may be extended by at most one year, to %(day)s."
                        )
                        % {"day": latest}
                    }
                )
            member.conversion_due = extended_until
        elif outcome == ConversionOutcome.ON_TIME:
            member.status = MemberStatus.FULL
            member.full_since = decided_on
            member.conversion_due = None
        elif outcome == ConversionOutcome.CANCELLED:
            member.left_on = decided_on
            member.left_reason = LeaveReason.LEFT
        else:
            raise ValidationError({"outcome": _("Choose an outcome.")})
        member.save()
        decision = ConversionDecision(
            member=member,
            outcome=outcome,
            decided_on=decided_on,
            extended_until=extended_until if outcome == ConversionOutcome.EXTENDED else None,
            note=note,
            decided_by=actor,
        )
        decision.full_clean()
        decision.save()
        return decision


@transaction.atomic
def handling_record(
    *, actor: User, member: Member, stage: str, reason: str, on: date, deadline: date | None = None
) -> Handling:
    """Criticism and education first, then organisational handling (documents 1 and 3)."""
    with _audit(actor, "member.handling"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        if (
            stage != HandlingStage.CRITICISM
            and not member.handlings.filter(stage=HandlingStage.CRITICISM).exists()
        ):
            raise ValidationError(
                {"stage": _("Criticism and education come before organisational handling.")}
            )
        if stage == HandlingStage.DEADLINE and deadline is None:
            raise ValidationError({"deadline": _("Give the deadline for the correction.")})
        if deadline is not None and deadline < on:
            raise ValidationError({"deadline": _("The deadline cannot be before the date.")})
        handling = Handling(
            member=member, stage=stage, reason=reason, on=on, deadline=deadline, recorded_by=actor
        )
        handling.full_clean()
        handling.save()
        return handling


@transaction.atomic
def transfer_request(
    *, actor: User, member: Member, to_branch: Organization, note: str = ""
) -> Transfer:
    """The sending branch asks the receiving branch (any province) to take the member."""
    with _audit(actor, "transfer.request"):
        member = Member.objects.select_for_update().get(pk=member.pk)
        scoping.require(actor, scoping.CHANGE, member.branch)
        to_branch = Organization.objects.get(pk=to_branch.pk)
        if to_branch.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH) or to_branch.dissolved:
            raise ValidationError(
                {"to_branch": _("Choose a live party branch to receive the member.")}
            )
        if to_branch.pk == member.branch_id:
            raise ValidationError(
                {"to_branch": _("The member already belongs to %(org)s.") % {"org": to_branch}}
            )
        if member.left_on is not None:
            raise ValidationError({"member": _("%(name)s has left.") % {"name": member}})
        if member.transfers.filter(status=TransferStatus.PENDING).exists():
            raise ValidationError(
                {"member": _("A transfer of %(name)s is already waiting.") % {"name": member}}
            )
        transfer = Transfer.objects.create(
            member=member,
            from_branch=member.branch,
            to_branch=to_branch,
            note=note,
            requested_by=actor,
            due_by=timezone.localdate() + timezone.timedelta(days=TRANSFER_ANSWER_DAYS),
        )
        return transfer


def _pending_for_receiver(actor: User, transfer: Transfer) -> Transfer:
    transfer = Transfer.objects.select_for_update().select_related("member").get(pk=transfer.pk)
    scoping.require(actor, scoping.CHANGE, transfer.to_branch)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(
            _("This transfer was already %(status)s.") % {"status": transfer.get_status_display()}
        )
    return transfer


@transaction.atomic
def transfer_accept(*, actor: User, transfer: Transfer) -> Transfer:
    """The receiving side accepts: only now does the member's branch change."""
    with _audit(actor, "transfer.accept"):
        transfer = _pending_for_receiver(actor, transfer)
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        member.branch = transfer.to_branch
        member.province_id = transfer.to_branch.province_id
        member.save(update_fields=["branch", "province", "updated_at"])
        if member.user_id:
            from branches.models import Role, RoleAssignment

            today = timezone.localdate()
            for old in RoleAssignment.objects.active().filter(
                user_id=member.user_id, role=Role.MEMBER, organization=transfer.from_branch
            ):
                if old.valid_from >= today:  # began today: it never really ran
                    old.delete()
                else:
                    old.valid_to = today - timezone.timedelta(days=1)
                    old.save(update_fields=["valid_to"])
            RoleAssignment.objects.get_or_create(
                user_id=member.user_id,
                role=Role.MEMBER,
                organization=transfer.to_branch,
                valid_from=today,
                defaults={"granted_by": actor},
            )
        transfer.status = TransferStatus.ACCEPTED
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        return transfer


@transaction.atomic
def transfer_reject(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Give the reason for the rejection.")})
    with _audit(actor, "transfer.reject"):
        transfer = _pending_for_receiver(actor, transfer)
        transfer.status = TransferStatus.REJECTED
        transfer.rejection_reason = reason.strip()
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        return transfer


@transaction.atomic
def transfer_cancel(*, actor: User, transfer: Transfer) -> Transfer:
    with _audit(actor, "transfer.cancel"):
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        scoping.require(actor, scoping.CHANGE, transfer.from_branch)
        if transfer.status != TransferStatus.PENDING:
            raise ValidationError(_("Only a waiting transfer can be cancelled."))
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        return transfer


def _months_covered(start: date, months: int) -> set[tuple[int, int]]:
    index = start.year * 12 + start.month - 1
    return {divmod(i, 12) for i in range(index, index + months)}


@transaction.atomic
def dues_record(
    *,
    actor: User,
    member: Member,
    period_start: date,
    amount,
    paid_on: date,
    months: int = 1,
    received_by: Organization | None = None,
) -> DuesPayment:
    """Record dues for a month or a quarter, received by the member's branch or
    (for a mobile member) by the inflow organisation that the actor works in."""
    with _audit(actor, "dues.record"):
        member = Member.objects.select_related("branch").get(pk=member.pk)
        receiver = Organization.objects.get(pk=(received_by or member.branch).pk)
        scoping.require(actor, scoping.CHANGE, receiver)
        if receiver.pk != member.branch_id and not scoping.can(actor, scoping.VIEW, member.branch):
            # An inflow organisation needs a workflow grant on the member.
            from django.http import Http404

            if not Member.objects.visible_to(actor).filter(pk=member.pk).exists():
                raise Http404(_("No such member."))
        if period_start.day != 1 or (months == 3 and period_start.month not in (1, 4, 7, 10)):
            raise ValidationError(
                {
                    "period_start": _(
                        "A period starts on the first day of a month (or of a quarter)."
                    )
                }
            )
        if any(
            _months_covered(p.period_start, p.months) & _months_covered(period_start, months)
            for p in DuesPayment.objects.filter(
                member=member,
                period_start__gt=period_start - timezone.timedelta(days=100),
                period_start__lt=period_start + timezone.timedelta(days=100),
            )
        ):
            raise ValidationError(
                {
                    "period_start": _("Dues of %(name)s for %(period)s are already recorded.")
                    % {"name": member, "period": period_start.strftime("%Y-%m")}
                }
            )
        payment = DuesPayment(
            member=member,
            period_start=period_start,
            months=months,
            amount=amount,
            paid_on=paid_on,
            received_by=receiver,
            recorded_by=actor,
        )
        payment.full_clean()
        payment.save()
        return payment
