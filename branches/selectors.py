"""Reads on the organisation tree. Everything goes through visible_to."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import scoping
from .models import GuidanceEdge, Organization, OrgKind, RoleAssignment
from .policies import POLICIES, policies_in_force


def _subtree_count(condition: Q | None = None):
    """Correlated count over the path index: the live organisations below the node."""
    inner = Organization.objects.filter(
        path__descendant_of=OuterRef("path"), dissolved__isnull=True
    ).exclude(pk=OuterRef("pk"))
    if condition is not None:
        inner = inner.filter(condition)
    return Coalesce(
        Subquery(
            inner.order_by().values(grp=Value(1)).annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _member_count():
    """Current members in the node's subtree, over the path index."""
    Member = apps.get_model("members", "Member")
    return Coalesce(
        Subquery(
            Member.objects.filter(
                branch__path__descendant_of=OuterRef("path"), left_on__isnull=True
            )
            .order_by()
            .values(grp=Value(1))
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_subtree_counts(queryset):
    return queryset.annotate(
        member_count=_member_count(),
        descendant_count=_subtree_count(),
        branch_count=_subtree_count(Q(kind=OrgKind.BRANCH)),
        child_count=Coalesce(
            Subquery(
                Organization.objects.filter(parent=OuterRef("pk"), dissolved__isnull=True)
                .order_by()
                .values("parent")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )


def tree_roots(user):
    """The highest organisations the user may see, each with its counts."""
    scope = scoping.scope_for(user, scoping.VIEW)
    visible = Organization.objects.visible_to(user)
    if scope.everything:
        roots = visible.filter(parent__isnull=True)
    else:
        # Everything visible but what lies strictly below a subtree root.
        below = Q()
        for path in scope.subtree_paths:
            below |= Q(path__descendant_of=path, depth__gt=path.count("."))
        roots = visible.exclude(below) if below else visible
    return with_subtree_counts(roots.select_related("parent")).order_by("path")


def children_of(user, organization):
    return with_subtree_counts(
        Organization.objects.visible_to(user).filter(parent=organization)
    ).order_by("dissolved", "code")


def visible_ancestors(user, organization):
    return (
        Organization.objects.visible_to(user)
        .filter(path__ancestor_of=organization.path)
        .exclude(pk=organization.pk)
        .order_by("depth")
    )


@dataclass
class PolicyRow:
    key: str
    label: str
    source: str
    value: object
    default: object

    @property
    def overridden(self) -> bool:
        return self.value != self.default


def policy_rows(organization, on=None) -> list[PolicyRow]:
    values = policies_in_force(organization, on)
    return [
        PolicyRow(key, p.label, p.source, values[key], p.clean(p.default))
        for key, p in POLICIES.items()
    ]


def guidance_of(user, organization):
    today = timezone.localdate()
    current = Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    edges = GuidanceEdge.objects.filter(current).select_related("guide", "guided")
    return {
        "guided_by": list(edges.filter(guided=organization)),
        "guides": list(
            edges.filter(guide=organization).filter(
                guided__in=Organization.objects.visible_to(user)
            )
        ),
    }


def who_can_see(user, organization) -> tuple[list, int]:
    """Role holders whose reach includes this organisation, today.

    Names only of the assignments the asking user may see; those held higher
    up are counted, not named.
    """
    viewers = [role for role, actions in scoping.ROLE_ACTIONS.items() if scoping.VIEW in actions]
    holders = RoleAssignment.objects.active().filter(
        Q(organization__path__ancestor_of=organization.path, role__in=viewers)
        | Q(organization=organization, role="member")
    )
    named = list(
        holders.visible_to(user, scoping.MANAGE_ROLES)
        .select_related("user", "organization")
        .order_by("organization__depth", "role", "user__username")
    )
    return named, holders.count() - len(named)


def role_assignments_for(user, organization, include_past: bool = False):
    qs = RoleAssignment.objects.visible_to(user).filter(organization=organization)
    if not include_past:
        today = timezone.localdate()
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return qs.select_related("user", "granted_by").order_by("role", "user__username")


def granted_viewers(organization):
    """Users who see this organisation through a workflow grant, with expiry."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    now = timezone.now()
    return (
        UserObjectPermission.objects.filter(
            content_type=ContentType.objects.get_for_model(Organization),
            object_pk=str(organization.pk),
        )
        .filter(Q(expiry__isnull=True) | Q(expiry__expires_at__gt=now))
        .select_related("user", "permission", "expiry")
        .order_by("user__username")
    )
