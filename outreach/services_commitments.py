"""Writes of members' commitments (党员承诺, document 2, 二（二）) and service
posts (设岗定责, 二（三）).

Keyword-only, atomic; the row is locked first, then the scope is checked
inside the transaction. A member acts on their own commitments and
applications; everything else needs CHANGE on the branch. Illegal
transitions are refused with a ValidationError on "status".
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, time

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, User
from branches.policies import policy_in_force
from members.models import FlagKind, Member, MemberFlag

from .models import (
    COUNTED_COMMITMENT,
    PUBLIC_COMMITMENT,
    Commitment,
    CommitmentEvaluation,
    CommitmentProgress,
    CommitmentStatus,
    PostHolder,
    PostHolderStatus,
    PostLog,
    Rating,
    ServicePost,
)

EVIDENCE_TYPES = ("JPEG", "PNG", "PDF")


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def _status_error(obj, expected: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("This is “%(status)s”; it can be done only when %(expected)s.")
            % {"status": obj.get_status_display(), "expected": expected}
        }
    )


def _labels(*statuses) -> str:
    return " / ".join(str(CommitmentStatus(s).label) for s in statuses)


def _require_self_or_branch(actor: User, member: Member, branch: Organization) -> bool:
    """The member acting on their own record, or CHANGE on the branch.
    True when the actor is the member."""
    if actor is not None and member.user_id is not None and member.user_id == actor.pk:
        scoping.lock_tree_shared()
        return True
    scoping.require(actor, scoping.CHANGE, branch)
    return False


def is_able(member: Member, on: date | None = None) -> bool:
    """Current and without an active aged-or-infirm flag."""
    if member.left_on is not None:
        return False
    return not MemberFlag.objects.filter(
        member=member, kind=FlagKind.AGED_INFIRM, cleared_on__isnull=True
    ).exists()


def able_members(queryset):
    """Current members without an active aged-or-infirm flag."""
    aged = MemberFlag.objects.filter(
        member=OuterRef("pk"), kind=FlagKind.AGED_INFIRM, cleared_on__isnull=True
    )
    return queryset.filter(left_on__isnull=True).filter(~Exists(aged))


def policy_day(year: int) -> date:
    """The day whose policy figures apply to `year`: today, kept inside the year."""
    today = timezone.localdate()
    return min(max(today, date(year, 1, 1)), date(year, 12, 31))


def yearly_limits(branch: Organization, year: int) -> tuple[int, int]:
    on = policy_day(year)
    return (
        policy_in_force(branch, "commitments_min_per_year", on),
        policy_in_force(branch, "commitments_max_per_year", on),
    )


def _check_content(content: str, target_date: date | None, year: int) -> str:
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("Say what the member commits to do.")})
    if target_date is None:
        raise ValidationError({"target_date": _("Give the date it will be done by.")})
    if target_date.year != year:
        raise ValidationError(
            {
                "target_date": _("The date %(day)s is not in %(year)s.")
                % {"day": target_date, "year": year}
            }
        )
    return content


# --- Commitments ----------------------------------------------------------------------


@transaction.atomic
def commitment_create(
    *,
    actor: User,
    member: Member,
    content: str,
    target_date: date,
    year: int | None = None,
    submit: bool = False,
) -> Commitment:
    """The member drafts a commitment, or the branch enters one for the member."""
    with _audit(actor, "outreach.commitment_create"):
        member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
        _require_self_or_branch(actor, member, member.branch)
        year = year or (target_date.year if target_date else timezone.localdate().year)
        if member.left_on is not None:
            raise ValidationError({"member": _("%(name)s has left.") % {"name": member}})
        if not is_able(member):
            raise ValidationError(
                {
                    "member": _(
                        "%(name)s is marked aged or infirm and is not asked to make commitments."
                    )
                    % {"name": member}
                }
            )
        content = _check_content(content, target_date, year)
        _min, maximum = yearly_limits(member.branch, year)
        made = Commitment.objects.filter(
            member=member, year=year, status__in=COUNTED_COMMITMENT
        ).count()
        if made >= maximum:
            raise ValidationError(
                {
                    "member": _(
                        "%(name)s already has %(made)s commitments for %(year)s; "
                        "at most %(max)s a year."
                    )
                    % {"name": member, "made": made, "year": year, "max": maximum}
                }
            )
        return Commitment.objects.create(
            member=member,
            branch=member.branch,
            year=year,
            content=content,
            target_date=target_date,
            status=CommitmentStatus.SUBMITTED if submit else CommitmentStatus.DRAFT,
            created_by=actor,
        )


def _lock(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("member", "branch")
        .get(pk=commitment.pk)
    )


@transaction.atomic
def commitment_update(
    *, actor: User, commitment: Commitment, content: str, target_date: date
) -> Commitment:
    """Revise a draft or a returned commitment."""
    with _audit(actor, "outreach.commitment_update"):
        commitment = _lock(commitment)
        _require_self_or_branch(actor, commitment.member, commitment.branch)
        if commitment.status not in (CommitmentStatus.DRAFT, CommitmentStatus.RETURNED):
            raise _status_error(commitment, _labels("draft", "returned"))
        commitment.content = _check_content(content, target_date, commitment.year)
        commitment.target_date = target_date
        commitment.save(update_fields=["content", "target_date"])
        return commitment


@transaction.atomic
def commitment_submit(*, actor: User, commitment: Commitment) -> Commitment:
    """Send a draft or a revised commitment to the branch for approval."""
    with _audit(actor, "outreach.commitment_submit"):
        commitment = _lock(commitment)
        _require_self_or_branch(actor, commitment.member, commitment.branch)
        if commitment.status not in (CommitmentStatus.DRAFT, CommitmentStatus.RETURNED):
            raise _status_error(commitment, _labels("draft", "returned"))
        commitment.status = CommitmentStatus.SUBMITTED
        commitment.save(update_fields=["status"])
        return commitment


def _decide(actor, commitment, status, note) -> Commitment:
    commitment.status = status
    commitment.decided_by = actor
    commitment.decided_at = timezone.now()
    commitment.decision_note = note
    commitment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return commitment


@transaction.atomic
def commitment_approve(*, actor: User, commitment: Commitment, note: str = "") -> Commitment:
    """The branch finds the commitment specific and feasible (切合实际，具体可行)."""
    with _audit(actor, "outreach.commitment_approve"):
        commitment = _lock(commitment)
        scoping.require(actor, scoping.CHANGE, commitment.branch)
        if commitment.status != CommitmentStatus.SUBMITTED:
            raise _status_error(commitment, _labels("submitted"))
        return _decide(actor, commitment, CommitmentStatus.APPROVED, (note or "").strip()[:300])


@transaction.atomic
def commitment_return(*, actor: User, commitment: Commitment, note: str) -> Commitment:
    """The branch sends the commitment back for revision, saying why."""
    with _audit(actor, "outreach.commitment_return"):
        commitment = _lock(commitment)
        scoping.require(actor, scoping.CHANGE, commitment.branch)
        if commitment.status != CommitmentStatus.SUBMITTED:
            raise _status_error(commitment, _labels("submitted"))
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": _("Say what the member should revise.")})
        return _decide(actor, commitment, CommitmentStatus.RETURNED, note[:300])


@transaction.atomic
def commitment_complete(
    *,
    actor: User,
    commitment: Commitment,
    done: bool,
    completed_on: date | None = None,
    note: str = "",
) -> Commitment:
    """The branch records the commitment fulfilled (with the date and how) or not."""
    with _audit(actor, "outreach.commitment_complete"):
        commitment = _lock(commitment)
        scoping.require(actor, scoping.CHANGE, commitment.branch)
        if commitment.status != CommitmentStatus.APPROVED:
            raise _status_error(commitment, _labels("approved"))
        note = (note or "").strip()
        if done:
            if completed_on is None:
                raise ValidationError({"completed_on": _("Give the date it was fulfilled.")})
            if completed_on > timezone.localdate():
                raise ValidationError({"completed_on": _("The date is in the future.")})
            if not note:
                raise ValidationError({"note": _("Say how the commitment was fulfilled.")})
            commitment.status = CommitmentStatus.DONE
            commitment.completed_on = completed_on
        else:
            if not note:
                raise ValidationError({"note": _("Say why the commitment was not fulfilled.")})
            commitment.status = CommitmentStatus.NOT_DONE
            commitment.completed_on = None
        commitment.completion_note = note
        commitment.save(update_fields=["status", "completed_on", "completion_note"])
        return commitment


@transaction.atomic
def commitment_withdraw(*, actor: User, commitment: Commitment, note: str = "") -> Commitment:
    """Withdraw a commitment not yet fulfilled; it stops counting toward the limit."""
    with _audit(actor, "outreach.commitment_withdraw"):
        commitment = _lock(commitment)
        _require_self_or_branch(actor, commitment.member, commitment.branch)
        allowed = ("draft", "submitted", "returned", "approved")
        if commitment.status not in allowed:
            raise _status_error(commitment, _labels(*allowed))
        if commitment.status == CommitmentStatus.APPROVED and not scoping.can(
            actor, scoping.CHANGE, commitment.branch
        ):
            # On the public board it is under the masses' supervision (二（二）).
            raise ValidationError(
                {"status": _("An approved commitment is withdrawn only by the branch.")}
            )
        commitment.status = CommitmentStatus.WITHDRAWN
        commitment.decision_note = (note or "").strip()[:300]
        commitment.save(update_fields=["status", "decision_note"])
        return commitment


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def _check_evidence(uploaded_file):
    from education import files

    name = files.clean_name(getattr(uploaded_file, "name", ""))
    size = uploaded_file.size or 0
    if size <= 0:
        raise ValidationError({"evidence": _("The file %(name)s is empty.") % {"name": name}})
    limit = settings.EDUCATION_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {
                "evidence": _("The file %(name)s is %(size)s; at most %(max)s is allowed.")
                % {"name": name, "size": _size_text(size), "max": _size_text(limit)}
            }
        )
    found = files.sniff_file(uploaded_file)
    if found is None or found.label not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "evidence": _("The file %(name)s is not a %(types)s file.")
                % {"name": name, "types": " / ".join(EVIDENCE_TYPES)}
            }
        )
    return name, found


@transaction.atomic
def progress_add(
    *,
    actor: User,
    commitment: Commitment,
    on: date,
    note: str,
    evidence=None,
) -> CommitmentProgress:
    """Progress on an approved commitment, with an optional photo or PDF."""
    import secrets

    with _audit(actor, "outreach.commitment_progress"):
        commitment = _lock(commitment)
        _require_self_or_branch(actor, commitment.member, commitment.branch)
        if commitment.status != CommitmentStatus.APPROVED:
            raise _status_error(commitment, _labels("approved"))
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": _("Say what was done.")})
        if on is None or on > timezone.localdate():
            raise ValidationError({"on": _("The date is in the future.")})
        progress = CommitmentProgress(commitment=commitment, on=on, note=note, recorded_by=actor)
        if evidence is not None:
            name, found = _check_evidence(evidence)
            progress.evidence_name = name
            progress.evidence_type = found.content_type
            evidence.seek(0)
            progress.evidence.save(
                f"{secrets.token_hex(16)}{found.extension}", evidence, save=False
            )
        progress.save()
        return progress


# --- Public evaluations -------------------------------------------------------------------


def visitor_hash(address: str, salt: str = "outreach.board") -> str:
    """A salted hash of the client address (the address itself is never stored)."""
    key = hashlib.sha256(f"{settings.SECRET_KEY}:{salt}".encode()).digest()
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def evaluation_add(
    *, commitment: Commitment, rating: str, comment: str = "", visitor: str
) -> CommitmentEvaluation:
    """A member of the public evaluates a public commitment: one a day per visitor."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status not in PUBLIC_COMMITMENT:
        raise _status_error(commitment, _labels(*PUBLIC_COMMITMENT))
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose an evaluation.")})
    comment = (comment or "").strip()[:300]
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    if CommitmentEvaluation.objects.filter(
        commitment=commitment, visitor=visitor, created_at__gte=start
    ).exists():
        raise ValidationError(
            {"rating": _("You have already evaluated this commitment today. Thank you.")}
        )
    return CommitmentEvaluation.objects.create(
        commitment=commitment, rating=rating, comment=comment, visitor=visitor
    )


@transaction.atomic
def evaluation_hide(
    *, actor: User, evaluation: CommitmentEvaluation, hidden: bool = True
) -> CommitmentEvaluation:
    """The branch hides an abusive evaluation from the board (or shows it again)."""
    with _audit(actor, "outreach.evaluation_hide"):
        evaluation = (
            CommitmentEvaluation.objects.select_for_update(of=("self",))
            .select_related("commitment__branch")
            .get(pk=evaluation.pk)
        )
        scoping.require(actor, scoping.CHANGE, evaluation.commitment.branch)
        evaluation.hidden = hidden
        evaluation.save(update_fields=["hidden"])
        return evaluation


# --- Service posts ---------------------------------------------------------------------


def _check_post(title: str, duties: str, places) -> tuple[str, str, int]:
    title, duties = (title or "").strip(), (duties or "").strip()
    if not title:
        raise ValidationError({"title": _("Name the post.")})
    if not duties:
        raise ValidationError({"duties": _("Describe the duties of the post.")})
    if places is None or int(places) < 1:
        raise ValidationError({"places": _("A post needs at least one member.")})
    return title, duties, int(places)


@transaction.atomic
def post_create(
    *, actor: User, organization: Organization, title: str, duties: str, places: int = 1
) -> ServicePost:
    """A rural or community party organisation sets a post (设岗)."""
    with _audit(actor, "outreach.post_create"):
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        scoping.require(actor, scoping.CHANGE, organization)
        title, duties, places = _check_post(title, duties, places)
        return ServicePost.objects.create(
            organization=organization, title=title, duties=duties, places=places
        )


def _active_count(post: ServicePost) -> int:
    return PostHolder.objects.filter(post=post, status=PostHolderStatus.ACTIVE).count()


def _lock_post(post: ServicePost) -> ServicePost:
    return (
        ServicePost.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=post.pk)
    )


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: ServicePost,
    title: str,
    duties: str,
    places: int,
    active: bool = True,
) -> ServicePost:
    with _audit(actor, "outreach.post_update"):
        post = _lock_post(post)
        scoping.require(actor, scoping.CHANGE, post.organization)
        title, duties, places = _check_post(title, duties, places)
        held = _active_count(post)
        if places < held:
            raise ValidationError(
                {
                    "places": _("%(held)s members hold the post; end a holding first.")
                    % {"held": held}
                }
            )
        post.title, post.duties, post.places, post.active = title, duties, places, active
        post.save(update_fields=["title", "duties", "places", "active"])
        return post


def _check_member_for_post(post: ServicePost, member: Member) -> None:
    if member.left_on is not None:
        raise ValidationError({"member": _("%(name)s has left.") % {"name": member}})
    branch_path = member.branch.path
    if not (
        branch_path == post.organization.path
        or branch_path.startswith(post.organization.path + ".")
    ):
        raise ValidationError(
            {
                "member": _("%(name)s is not a member of %(org)s.")
                % {"name": member, "org": post.organization}
            }
        )
    if PostHolder.objects.filter(
        post=post, member=member, status__in=(PostHolderStatus.APPLIED, PostHolderStatus.ACTIVE)
    ).exists():
        raise ValidationError(
            {"member": _("%(name)s already applied for or holds this post.") % {"name": member}}
        )


def _check_capacity(post: ServicePost) -> None:
    held = _active_count(post)
    if held >= post.places:
        raise ValidationError(
            {
                "status": _("The post “%(post)s” is full: %(held)s of %(places)s places taken.")
                % {"post": post, "held": held, "places": post.places}
            }
        )


@transaction.atomic
def post_apply(*, actor: User, post: ServicePost, member: Member, note: str = "") -> PostHolder:
    """The member applies for a post (自主申报)."""
    with _audit(actor, "outreach.post_apply"):
        post = _lock_post(post)
        member = Member.objects.select_related("branch").get(pk=member.pk)
        _require_self_or_branch(actor, member, post.organization)
        if not post.active:
            raise ValidationError({"status": _("The post “%(post)s” is closed.") % {"post": post}})
        _check_member_for_post(post, member)
        return PostHolder.objects.create(
            post=post, member=member, applied=True, note=(note or "").strip()[:300]
        )


@transaction.atomic
def post_assign(
    *, actor: User, post: ServicePost, member: Member, since: date | None = None, note: str = ""
) -> PostHolder:
    """The organisation puts a member on a post (组织安排)."""
    with _audit(actor, "outreach.post_assign"):
        post = _lock_post(post)
        scoping.require(actor, scoping.CHANGE, post.organization)
        member = Member.objects.select_related("branch").get(pk=member.pk)
        if not post.active:
            raise ValidationError({"status": _("The post “%(post)s” is closed.") % {"post": post}})
        _check_member_for_post(post, member)
        _check_capacity(post)
        return PostHolder.objects.create(
            post=post,
            member=member,
            applied=False,
            status=PostHolderStatus.ACTIVE,
            since=since or timezone.localdate(),
            note=(note or "").strip()[:300],
        )


def _lock_holder(holder: PostHolder) -> tuple[ServicePost, PostHolder]:
    post = _lock_post(holder.post)  # the post first: capacity is counted under its lock
    holder = (
        PostHolder.objects.select_for_update(of=("self",))
        .select_related("member")
        .get(pk=holder.pk)
    )
    return post, holder


def _holder_error(holder: PostHolder, *expected) -> ValidationError:
    return ValidationError(
        {
            "status": _("This is “%(status)s”; it can be done only when %(expected)s.")
            % {
                "status": holder.get_status_display(),
                "expected": " / ".join(str(PostHolderStatus(s).label) for s in expected),
            }
        }
    )


@transaction.atomic
def holder_approve(*, actor: User, holder: PostHolder, since: date | None = None) -> PostHolder:
    with _audit(actor, "outreach.holder_approve"):
        post, holder = _lock_holder(holder)
        scoping.require(actor, scoping.CHANGE, post.organization)
        if holder.status != PostHolderStatus.APPLIED:
            raise _holder_error(holder, "applied")
        _check_capacity(post)
        holder.status = PostHolderStatus.ACTIVE
        holder.since = since or timezone.localdate()
        holder.save(update_fields=["status", "since"])
        return holder


@transaction.atomic
def holder_decline(*, actor: User, holder: PostHolder, note: str = "") -> PostHolder:
    with _audit(actor, "outreach.holder_decline"):
        post, holder = _lock_holder(holder)
        scoping.require(actor, scoping.CHANGE, post.organization)
        if holder.status != PostHolderStatus.APPLIED:
            raise _holder_error(holder, "applied")
        holder.status = PostHolderStatus.DECLINED
        holder.note = (note or holder.note).strip()[:300]
        holder.save(update_fields=["status", "note"])
        return holder


@transaction.atomic
def holder_end(
    *, actor: User, holder: PostHolder, until: date | None = None, note: str = ""
) -> PostHolder:
    with _audit(actor, "outreach.holder_end"):
        post, holder = _lock_holder(holder)
        scoping.require(actor, scoping.CHANGE, post.organization)
        if holder.status != PostHolderStatus.ACTIVE:
            raise _holder_error(holder, "active")
        until = until or timezone.localdate()
        if holder.since and until < holder.since:
            raise ValidationError({"until": _("The end is before the start.")})
        holder.status = PostHolderStatus.ENDED
        holder.until = until
        if note:
            holder.note = note.strip()[:300]
        holder.save(update_fields=["status", "until", "note"])
        return holder


@transaction.atomic
def post_log_add(*, actor: User, holder: PostHolder, on: date, note: str) -> PostLog:
    """The holder (or the organisation) records what was done on the post."""
    with _audit(actor, "outreach.post_log"):
        post, holder = _lock_holder(holder)
        _require_self_or_branch(actor, holder.member, post.organization)
        if holder.status != PostHolderStatus.ACTIVE:
            raise _holder_error(holder, "active")
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": _("Say what was done.")})
        if on is None or on > timezone.localdate():
            raise ValidationError({"on": _("The date is in the future.")})
        if holder.since and on < holder.since:
            raise ValidationError({"on": _("The date is before the member took the post.")})
        return PostLog.objects.create(holder=holder, on=on, note=note, recorded_by=actor)
