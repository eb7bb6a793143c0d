"""Reads of commitments, the public board and service posts."""

from __future__ import annotations

from django.core import signing
from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from branches import scoping
from branches.models import Organization
from members.models import Member

from .models import (
    MADE_COMMITMENT,
    PUBLIC_COMMITMENT,
    Commitment,
    CommitmentEvaluation,
    CommitmentStatus,
    PostHolder,
    PostHolderStatus,
    PostLog,
    ServicePost,
)
from .services_commitments import able_members

BOARD_SALT = "outreach.commitment-board"
STATUS_ORDER = ["submitted", "returned", "draft", "approved", "done", "not_done", "withdrawn"]


def board_token(branch: Organization) -> str:
    return signing.dumps(branch.pk, salt=BOARD_SALT)


def branch_for_token(token: str) -> Organization | None:
    try:
        pk = signing.loads(token, salt=BOARD_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Organization.objects.filter(pk=pk, dissolved__isnull=True).first()


def _evaluation_counts():
    visible = Q(evaluations__hidden=False)
    return {
        "n_satisfied": Count("evaluations", filter=visible & Q(evaluations__rating="satisfied")),
        "n_fairly": Count("evaluations", filter=visible & Q(evaluations__rating="fairly")),
        "n_unsatisfied": Count(
            "evaluations", filter=visible & Q(evaluations__rating="unsatisfied")
        ),
        "n_hidden": Count("evaluations", filter=Q(evaluations__hidden=True)),
    }


def branch_commitments_queryset(user, branch: Organization, year: int):
    """The branch's commitments of the year, by member (the export reads it)."""
    return (
        Commitment.objects.visible_to(user)
        .filter(branch=branch, year=year)
        .select_related("member")
        .annotate(**_evaluation_counts())
        .order_by("member__name", "target_date", "pk")
    )


def branch_commitments(user, branch: Organization, year: int) -> list[Commitment]:
    rows = list(branch_commitments_queryset(user, branch, year))
    rows.sort(key=lambda c: STATUS_ORDER.index(c.status))
    return rows


def by_status(commitments) -> list[tuple[str, str, list]]:
    groups = {}
    for c in commitments:
        groups.setdefault(c.status, []).append(c)
    return [(s, CommitmentStatus(s).label, groups[s]) for s in STATUS_ORDER if s in groups]


def members_without_commitment(user, branch: Organization, year: int):
    """Able, current members of the branch with no counted commitment this year."""
    counted = Commitment.objects.filter(
        member=OuterRef("pk"), year=year, status__in=MADE_COMMITMENT
    )
    return able_members(
        Member.objects.visible_to(user).filter(branch=branch).filter(~Exists(counted))
    ).order_by("name")


def commitments_of_member(user, member: Member):
    return (
        Commitment.objects.visible_to(user)
        .filter(member=member)
        .select_related("branch")
        .annotate(**_evaluation_counts())
        .order_by("-year", "target_date", "pk")
    )


def commitment_detail(user, pk: int) -> Commitment:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Commitment.objects.visible_to(user)
        .select_related("member", "branch", "decided_by")
        .annotate(**_evaluation_counts()),
        pk=pk,
    )


def board(branch: Organization, year: int) -> list[Commitment]:
    """The public board: only what the masses may see, member names only.

    Public by design (document 2, 二（二）: 接受党组织和群众的监督), so no
    visible_to here; the branch comes from a signed token.
    """
    recent = Prefetch(
        "evaluations",
        queryset=CommitmentEvaluation.objects.filter(hidden=False)
        .exclude(comment="")
        .only("pk", "commitment_id", "rating", "comment", "created_at")
        .order_by("-created_at")[:5],
        to_attr="recent_comments",
    )
    return list(
        Commitment.objects.filter(branch=branch, year=year, status__in=PUBLIC_COMMITMENT)
        .only(
            "pk",
            "content",
            "target_date",
            "status",
            "completed_on",
            "completion_note",
            "year",
            "member__name",
        )
        .select_related("member")
        .annotate(**_evaluation_counts())
        .prefetch_related(recent)
        .order_by("member__name", "target_date", "pk")
    )


def board_years(branch: Organization) -> list[int]:
    return list(
        Commitment.objects.filter(branch=branch, status__in=PUBLIC_COMMITMENT)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- Posts -------------------------------------------------------------------------------


def posts_of(user, organization: Organization):
    holders = Prefetch(
        "holders",
        queryset=PostHolder.objects.visible_to(user)
        .filter(status__in=(PostHolderStatus.APPLIED, PostHolderStatus.ACTIVE))
        .select_related("member")
        .order_by("status", "member__name"),
        to_attr="current_holders",
    )
    return list(
        ServicePost.objects.visible_to(user)
        .filter(organization=organization)
        .annotate(
            n_active=Count(
                "holders", filter=Q(holders__status=PostHolderStatus.ACTIVE), distinct=True
            ),
            n_logs=Count("holders__logs", distinct=True),
        )
        .prefetch_related(holders)
        .order_by("-active", "title", "pk")
    )


def post_logs(user, post: ServicePost):
    return (
        PostLog.objects.visible_to(user)
        .filter(holder__post=post)
        .select_related("holder__member", "recorded_by")
        .order_by("-on", "-pk")
    )


def open_posts_for_member(user, member: Member):
    """Open posts, visible to `user`, of the organisations on the member's branch path."""
    ancestors = [int(x) for x in member.branch.path.split(".")]
    return (
        ServicePost.objects.visible_to(user)
        .filter(organization_id__in=ancestors, active=True)
        .select_related("organization")
        .annotate(n_active=Count("holders", filter=Q(holders__status=PostHolderStatus.ACTIVE)))
        .order_by("title", "pk")
    )


def holdings_of_member(user, member: Member):
    logs = Prefetch(
        "logs", queryset=PostLog.objects.visible_to(user).order_by("-on", "-pk"), to_attr="log"
    )
    return (
        PostHolder.objects.visible_to(user)
        .filter(member=member)
        .select_related("post", "post__organization")
        .prefetch_related(logs)
        .order_by("status", "-created_at")
    )


def can_change(user, org: Organization) -> bool:
    return scoping.can(user, scoping.CHANGE, org)
