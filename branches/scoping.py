"""The one scoping entry point: who may see or act on what.

Every query on organisation-owned data goes through
`Model.objects.visible_to(user, action)`; every write calls
`require(user, action, organization)` inside its transaction.

- A role on an organisation reaches its whole subtree (by the ltree path).
- The member role reaches only the member's own organisation page and the
  member's own records (models say which, with `scope_self_q`).
- Object-level exceptions granted by workflows are django-guardian object
  permissions (`view_<model>` / `change_<model>`), optionally with an expiry.
  A grant on an organisation also reaches the rows that organisation owns
  itself (not its subtree's).
- Superusers see everything.

A model opts in with `objects = ScopedQuerySet.as_manager()` and names the
path to its organisation in `scope_field` (default "organization"; "" for
Organization itself; a tuple when the row belongs to several organisations,
e.g. both sides of a transfer). `scope_field_when` limits a side to rows
matching a condition, e.g. the inflow side of a mobile member's episode
sees it only while the member is away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

VIEW = "view"
CHANGE = "change"
MANAGE_TREE = "manage_tree"
MANAGE_ROLES = "manage_roles"
MANAGE_POLICIES = "manage_policies"
ACTIONS = (VIEW, CHANGE, MANAGE_TREE, MANAGE_ROLES, MANAGE_POLICIES)

# What each role may do on its organisation's subtree. The member role has
# no subtree reach; see Scope.own_org_ids.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "secretary": frozenset({VIEW, CHANGE}),
    "deputy": frozenset({VIEW, CHANGE}),
    "org_staff": frozenset({VIEW, CHANGE, MANAGE_TREE, MANAGE_ROLES, MANAGE_POLICIES}),
    "inspector": frozenset({VIEW}),
    "member": frozenset(),
    "sysadmin": frozenset(ACTIONS),
}


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    subtree_paths: tuple[str, ...] = ()
    own_org_ids: tuple[int, ...] = ()  # member role: own branch only, not its subtree
    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.subtree_paths or self.own_org_ids)

    def covers_path(self, path: str) -> bool:
        if self.everything:
            return True
        return any(path == p or path.startswith(p + ".") for p in self.subtree_paths)


def _minimal_paths(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already inside another one: fewer conditions, same rows."""
    kept: list[str] = []
    for path in sorted(paths, key=lambda p: (p.count("."), p)):
        if not any(path == k or path.startswith(k + ".") for k in kept):
            kept.append(path)
    return tuple(kept)


def scope_for(user, action: str = VIEW, on=None) -> Scope:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True, user_id=user.pk)
    # Within one request (ScopeCacheMiddleware) each action is looked up once.
    cache = getattr(user, "_scope_cache", None)
    if cache is not None and on is None:
        if action not in cache:
            cache[action] = _compute_scope(user, action, None)
        return cache[action]
    return _compute_scope(user, action, on)


class ScopeCacheMiddleware:
    """Remember the user's scope for the length of one request.

    Writes still check inside their transaction: `require` reads the
    organisation's current path, and roles rarely change mid-request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user._scope_cache = {}
        return self.get_response(request)


def _compute_scope(user, action: str, on) -> Scope:
    RoleAssignment = apps.get_model("branches", "RoleAssignment")
    rows = (
        RoleAssignment.objects.active(on)
        .filter(user=user)
        .order_by()
        .values_list("role", "organization_id", "organization__path")
    )
    paths: set[str] = set()
    own: set[int] = set()
    roles: set[str] = set()
    for role, org_id, path in rows:
        roles.add(role)
        if action in ROLE_ACTIONS.get(role, ()):
            paths.add(path)
        elif role == "member" and action == VIEW:
            own.add(org_id)
    return Scope(
        subtree_paths=_minimal_paths(paths),
        own_org_ids=tuple(sorted(own)),
        user_id=user.pk,
        roles=frozenset(roles),
    )


def _granted_ids(user, model, action: str) -> models.QuerySet:
    """Ids of the objects of `model` a workflow granted to `user` (guardian), unexpired."""
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    content_type = ContentType.objects.get_for_model(model)
    return (
        UserObjectPermission.objects.filter(
            user_id=user.pk,
            content_type=content_type,
            permission__codename=f"{action}_{model._meta.model_name}",
        )
        .filter(Q(expiry__isnull=True) | Q(expiry__expires_at__gt=timezone.now()))
        .annotate(object_id=Cast("object_pk", models.BigIntegerField()))
        .values("object_id")
    )


def _grant_q(user, model, action: str) -> Q | None:
    """Objects of `model` that a workflow granted to `user` (guardian), unexpired."""
    if action not in (VIEW, CHANGE):
        return None
    return Q(pk__in=_granted_ids(user, model, action))


def filter_visible(queryset: models.QuerySet, user, action: str = VIEW) -> models.QuerySet:
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    scope = scope_for(user, action)
    if scope.everything:
        return queryset
    model = queryset.model
    scope_fields = getattr(model, "scope_field", "organization")
    if isinstance(scope_fields, str):
        scope_fields = (scope_fields,)
    condition = Q()
    only_when = getattr(model, "scope_field_when", {})
    # A grant on an organisation reaches the rows it owns itself (not its
    # subtree): e.g. an inspector sees the branches drawn for a spot-check.
    org_grants = None
    if scope_fields != ("",) and action in (VIEW, CHANGE):
        org_grants = _granted_ids(user, apps.get_model("branches", "Organization"), action)
    for scope_field in scope_fields:  # several: the row is seen from each side
        prefix = f"{scope_field}__" if scope_field else ""
        side = Q()
        for path in scope.subtree_paths:
            side |= Q(**{f"{prefix}path__descendant_of": path})
        if org_grants is not None:
            side |= Q(**{f"{scope_field}__in": org_grants})
        if side and scope_field in only_when:  # this side sees the row only while...
            side &= only_when[scope_field]
        condition |= side
    if scope.own_org_ids and hasattr(model, "scope_self_q"):
        condition |= model.scope_self_q(user, scope)
    grant = _grant_q(user, model, action)
    if grant is not None:
        condition |= grant
    if not condition:  # no role and no grant reaches anything
        return queryset.none()
    return queryset.filter(condition)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = VIEW):
        return filter_visible(self, user, action)


def can(user, action: str, organization) -> bool:
    """May `user` do `action` on `organization` (and so on its records)?"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    scope = scope_for(user, action)
    if scope.covers_path(organization.path):
        return True
    if action == VIEW and organization.pk in scope.own_org_ids:
        return True
    grant = _grant_q(user, type(organization), action)
    return (
        grant is not None and type(organization).objects.filter(grant, pk=organization.pk).exists()
    )


TREE_LOCK_KEY = 0x7472_6565  # "tree": moves take it exclusively, writes shared


def lock_tree_shared() -> None:
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [TREE_LOCK_KEY])


def organization_of(obj):
    """The organisation that owns `obj`, following its model's scope_field."""
    scope_field = getattr(type(obj), "scope_field", "organization")
    if not isinstance(scope_field, str):
        scope_field = scope_field[0]  # the owning side comes first
    for name in filter(None, scope_field.split("__")):
        obj = getattr(obj, name)
    return obj


def require(user, action: str, organization) -> None:
    """Refuse a write outside the user's reach.

    Not visible at all: 404 (ids leak nothing). Visible but not allowed: 403.
    Inside a transaction it also takes the tree lock in shared mode, so no
    move can take the organisation out of reach before the write commits.
    """
    lock_tree_shared()
    organization.refresh_from_db(fields=["path"])
    if can(user, action, organization):
        return
    if action != VIEW and can(user, VIEW, organization):
        raise PermissionDenied(_("You may not do this on %(org)s.") % {"org": organization})
    raise Http404(_("No such organisation."))
