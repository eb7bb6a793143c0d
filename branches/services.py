"""Writes on the organisation tree, roles, policies and grants.

Every service is keyword-only, atomic, checks the actor's scope inside its
transaction and runs under a pghistory context naming the actor, so the
audit trail says who did it.
"""

from __future__ import annotations

from datetime import date, datetime

import pghistory
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from . import scoping
from .models import (
    GrantExpiry,
    GuidanceEdge,
    Organization,
    OrgLevel,
    PolicyOverride,
    Role,
    RoleAssignment,
    User,
)
from .policies import get_policy

# One advisory lock serialises all tree writes: moves must not interleave.
TREE_LOCK_KEY = scoping.TREE_LOCK_KEY


def _lock_tree() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def _check_period(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})


def _overlapping(queryset, valid_from: date, valid_to: date | None) -> bool:
    """Does a row of `queryset` share a day with the period? (ends inclusive)"""
    return (
        queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        .filter(valid_from__lte=valid_to or date.max)
        .exists()
    )


LEVEL_ORDER = ["central", "province", "city", "county", "township", "village", "unit"]


def _check_place(*, parent: Organization | None, name: str, level: str, exclude_pk=None) -> None:
    """Rules of the tree that deserve a message naming the field."""
    if parent is not None:
        if LEVEL_ORDER.index(level) < LEVEL_ORDER.index(parent.level):
            raise ValidationError(
                {
                    "level": _("An organisation cannot be at a higher level than %(parent)s.")
                    % {"parent": parent}
                }
            )
        clash = Organization.objects.filter(parent=parent, name=name, dissolved__isnull=True)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            raise ValidationError(
                {
                    "name": _("%(parent)s already leads an organisation named “%(name)s”.")
                    % {"parent": parent, "name": name}
                }
            )


def _full_clean(obj, exclude=None) -> None:
    obj.full_clean(exclude=exclude, validate_constraints=True)


@transaction.atomic
def organization_create(
    *,
    actor: User,
    parent: Organization | None,
    name: str,
    code: str,
    kind: str,
    level: str,
    sector: str,
    established: date | None = None,
    is_mobile_org: bool = False,
) -> Organization:
    with _audit(actor, "organization.create"):
        _lock_tree()
        if parent is None:
            if not actor.is_superuser:
                raise PermissionDenied(_("Only a system administrator may create a root."))
        else:
            parent = Organization.objects.select_for_update().get(pk=parent.pk)
            scoping.require(actor, scoping.MANAGE_TREE, parent)
            if parent.dissolved is not None:
                raise ValidationError(
                    {
                        "parent": _("%(org)s is dissolved; nothing can be added under it.")
                        % {"org": parent}
                    }
                )
        if level in LEVEL_ORDER:
            _check_place(parent=parent, name=name, level=level)
        org = Organization(
            parent=parent,
            name=name,
            code=code,
            kind=kind,
            level=level,
            sector=sector,
            established=established,
            is_mobile_org=is_mobile_org,
        )
        _full_clean(org)
        org.save()
        return org


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, **changes) -> Organization:
    """Change plain fields (not the parent: see organization_move)."""
    allowed = {"name", "code", "kind", "level", "sector", "established", "is_mobile_org"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
    with _audit(actor, "organization.update"):
        _lock_tree()
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        scoping.require(actor, scoping.MANAGE_TREE, org)
        if (
            org.level == OrgLevel.PROVINCE
            and changes.get("level", org.level) != org.level
            and org.children.exists()
        ):
            # Its subtree would lose its tenant root (the province key).
            raise ValidationError(
                {"level": _("A province that leads other organisations cannot change level.")}
            )
        for key, value in changes.items():
            setattr(org, key, value)
        if org.level in LEVEL_ORDER:
            _check_place(parent=org.parent, name=org.name, level=org.level, exclude_pk=org.pk)
        _full_clean(org)
        org.save()
        return org


@transaction.atomic
def organization_move(
    *, actor: User, organization: Organization, new_parent: Organization
) -> Organization:
    """Re-parent a subtree; every path below is rewritten in this transaction."""
    with _audit(actor, "organization.move"):
        _lock_tree()
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        target = Organization.objects.select_for_update().get(pk=new_parent.pk)
        scoping.require(actor, scoping.MANAGE_TREE, org)
        scoping.require(actor, scoping.MANAGE_TREE, target)
        if target.pk == org.pk or target.path == org.path or target.path.startswith(org.path + "."):
            raise ValidationError(
                {
                    "parent": _(
                        "%(org)s cannot be moved under itself or its own subtree (%(target)s)."
                    )
                    % {"org": org, "target": target}
                }
            )
        if target.dissolved is not None:
            raise ValidationError(
                {
                    "parent": _("%(org)s is dissolved; nothing can be moved under it.")
                    % {"org": target}
                }
            )
        if org.parent_id == target.pk:
            return org
        old_province = org.province_id
        org.parent = target
        org.save(update_fields=["parent", "updated_at"])
        if target.province_id != old_province:
            # Policies differ between provinces: recount both (dashboards).
            from dashboards import changes

            changes.province_changed(old_province)
            changes.province_changed(target.province_id or target.pk)
        return org


@transaction.atomic
def organization_dissolve(*, actor: User, organization: Organization, on: date) -> Organization:
    with _audit(actor, "organization.dissolve"):
        _lock_tree()
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        scoping.require(actor, scoping.MANAGE_TREE, org)
        live_children = org.children.filter(dissolved__isnull=True).count()
        if live_children:
            raise ValidationError(
                {
                    "dissolved": _(
                        "%(org)s still leads %(n)d organisations; dissolve or move them first."
                    )
                    % {"org": org, "n": live_children}
                }
            )
        org.dissolved = on
        _full_clean(org)
        org.save(update_fields=["dissolved", "updated_at"])
        return org


@transaction.atomic
def organization_delete(*, actor: User, organization: Organization) -> None:
    """Delete an organisation entered by mistake: only a leaf with no roles."""
    with _audit(actor, "organization.delete"):
        _lock_tree()
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        scoping.require(actor, scoping.MANAGE_TREE, org)
        if org.children.exists():
            raise ValidationError(
                _("%(org)s leads other organisations; it cannot be deleted.") % {"org": org}
            )
        if org.role_assignments.exists():
            raise ValidationError(
                _("%(org)s has role assignments; dissolve it instead.") % {"org": org}
            )
        org.delete()


@transaction.atomic
def guidance_edge_create(
    *,
    actor: User,
    guide: Organization,
    guided: Organization,
    basis: str,
    valid_from: date,
    valid_to: date | None = None,
) -> GuidanceEdge:
    with _audit(actor, "guidance.create"):
        guide = Organization.objects.get(pk=guide.pk)
        guided = Organization.objects.get(pk=guided.pk)
        scoping.require(actor, scoping.MANAGE_TREE, guided)
        scoping.require(actor, scoping.VIEW, guide)
        if guide.pk == guided.pk:
            raise ValidationError({"guide": _("An organisation cannot guide itself.")})
        _check_period(valid_from, valid_to)
        edge = GuidanceEdge(
            guide=guide, guided=guided, basis=basis, valid_from=valid_from, valid_to=valid_to
        )
        _full_clean(edge)
        edge.save()
        return edge


@transaction.atomic
def policy_override_set(
    *,
    actor: User,
    organization: Organization,
    key: str,
    value,
    valid_from: date,
    valid_to: date | None = None,
    note: str = "",
) -> PolicyOverride:
    with _audit(actor, "policy.set"):
        organization = Organization.objects.get(pk=organization.pk)
        scoping.require(actor, scoping.MANAGE_POLICIES, organization)
        policy = get_policy(key)
        try:
            cleaned = policy.clean(value)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
        _check_period(valid_from, valid_to)
        if _overlapping(
            PolicyOverride.objects.filter(organization=organization, key=key), valid_from, valid_to
        ):
            raise ValidationError(
                {
                    "valid_from": _(
                        "A local rule for this policy is already in force in that period."
                    )
                }
            )
        override = PolicyOverride(
            organization=organization,
            key=key,
            value=cleaned,
            valid_from=valid_from,
            valid_to=valid_to,
            note=note,
            created_by=actor,
        )
        _full_clean(override, exclude=["created_by"])
        override.save()
        return override


# Roles a grantor may hand out: nobody grants more than they hold.
GRANTABLE = {
    Role.SYSADMIN: set(Role),
    Role.ORG_STAFF: {Role.SECRETARY, Role.DEPUTY, Role.ORG_STAFF, Role.INSPECTOR, Role.MEMBER},
}


def grantable_roles(actor: User, organization: Organization) -> set[str]:
    """The roles `actor` may grant or end on `organization`."""
    if actor.is_superuser:
        return set(Role)
    grantor_roles = set(
        RoleAssignment.objects.active()
        .filter(user=actor, organization__path__ancestor_of=organization.path)
        .values_list("role", flat=True)
    )
    return set().union(*(GRANTABLE.get(r, set()) for r in grantor_roles))


def _require_grantable(actor: User, role: str, organization: Organization) -> None:
    """Nobody grants or ends a role above their own."""
    if role not in grantable_roles(actor, organization):
        raise PermissionDenied(
            _("You may not grant or end the role “%(role)s”.") % {"role": Role(role).label}
        )


@transaction.atomic
def role_assign(
    *,
    actor: User,
    user: User,
    role: str,
    organization: Organization,
    valid_from: date,
    valid_to: date | None = None,
) -> RoleAssignment:
    with _audit(actor, "role.assign"):
        organization = Organization.objects.get(pk=organization.pk)  # its place now
        scoping.require(actor, scoping.MANAGE_ROLES, organization)
        _require_grantable(actor, role, organization)
        if role == Role.INSPECTOR and organization.level != OrgLevel.PROVINCE:
            raise ValidationError(
                {"organization": _("A provincial inspector is appointed on a province.")}
            )
        if role == Role.MEMBER and organization.kind not in ("branch", "general_branch"):
            raise ValidationError(
                {"organization": _("The member role is held on the member's own branch.")}
            )
        _check_period(valid_from, valid_to)
        if _overlapping(
            RoleAssignment.objects.filter(user=user, role=role, organization=organization),
            valid_from,
            valid_to,
        ):
            raise ValidationError(
                {
                    "valid_from": _("%(user)s already holds this role on %(org)s in that period.")
                    % {"user": user, "org": organization}
                }
            )
        assignment = RoleAssignment(
            user=user,
            role=role,
            organization=organization,
            valid_from=valid_from,
            valid_to=valid_to,
            granted_by=actor,
        )
        _full_clean(assignment, exclude=["granted_by"])
        assignment.save()
        return assignment


@transaction.atomic
def role_end(*, actor: User, assignment: RoleAssignment, on: date) -> RoleAssignment:
    """End a role on `on` (its last day). History is kept, nothing is deleted."""
    with _audit(actor, "role.end"):
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        scoping.require(actor, scoping.MANAGE_ROLES, assignment.organization)
        _require_grantable(actor, assignment.role, assignment.organization)
        if on < assignment.valid_from:
            raise ValidationError(
                {
                    "valid_to": _("The end date cannot be before the start (%(start)s).")
                    % {"start": assignment.valid_from}
                }
            )
        if assignment.valid_to is not None and assignment.valid_to <= on:
            return assignment
        assignment.valid_to = on
        assignment.save(update_fields=["valid_to"])
        return assignment


@transaction.atomic
def grant_object_permission(
    *,
    actor: User | None,
    user: User,
    obj,
    action: str,
    expires_at: datetime | None = None,
    reason: str = "",
) -> UserObjectPermission:
    """A workflow lets `user` see (or change) one object outside their subtree."""
    if action not in (scoping.VIEW, scoping.CHANGE):
        raise ValueError(action)
    with _audit(actor, "grant.create"):
        if actor is not None:  # None: a system workflow (a task) grants
            scoping.require(actor, scoping.CHANGE, scoping.organization_of(obj))
        content_type = ContentType.objects.get_for_model(obj)
        permission = Permission.objects.get(
            content_type=content_type, codename=f"{action}_{content_type.model}"
        )
        grant, _created = UserObjectPermission.objects.get_or_create(
            user=user, permission=permission, content_type=content_type, object_pk=str(obj.pk)
        )
        if expires_at is not None:
            GrantExpiry.objects.update_or_create(
                permission=grant, defaults={"expires_at": expires_at, "reason": reason}
            )
        else:
            GrantExpiry.objects.filter(permission=grant).delete()
        return grant


@transaction.atomic
def revoke_object_permission(*, actor: User | None, user: User, obj, action: str) -> int:
    with _audit(actor, "grant.revoke"):
        if actor is not None:
            scoping.require(actor, scoping.CHANGE, scoping.organization_of(obj))
        content_type = ContentType.objects.get_for_model(obj)
        _total, per_model = UserObjectPermission.objects.filter(
            user=user,
            content_type=content_type,
            object_pk=str(obj.pk),
            permission__codename=f"{action}_{content_type.model}",
        ).delete()
        return per_model.get(UserObjectPermission._meta.label, 0)


def purge_expired_grants() -> int:
    """Delete grants past their expiry. Idempotent."""
    with transaction.atomic(), pghistory.context(action="grant.expire"):
        ids = list(
            GrantExpiry.objects.filter(expires_at__lte=timezone.now()).values_list(
                "permission_id", flat=True
            )
        )
        UserObjectPermission.objects.filter(pk__in=ids).delete()
        return len(ids)
