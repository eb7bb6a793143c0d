"""Reads of service stations, reception and cases, all through `visible_to`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import BigIntegerField, Count, Func, Q, Value, When
from django.db.models import Case as CaseWhen
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches import scoping
from branches.models import Organization, Role, RoleAssignment, User

from .models import Case, CaseStatus, ReceptionSlot, ServiceStation

HANDLER_ROLES = (Role.SECRETARY, Role.DEPUTY, Role.ORG_STAFF, Role.SYSADMIN)

ACTION_TITLES = {
    "outreach.case_create": _("Case recorded"),
    "outreach.case_update": _("Handler or deadline changed"),
    "outreach.case_answer": _("Feedback given"),
    "outreach.case_close": _("Closed with the requester's satisfaction"),
    "outreach.case_reopen": _("Reopened: the requester is not satisfied"),
}


def overdue_q(on: date | None = None) -> Q:
    """Open cases past their feedback deadline, from the date alone (no task needed)."""
    return Q(status=CaseStatus.OPEN, feedback_due__lt=on or timezone.localdate())


def stations_of(user, organization: Organization):
    return (
        ServiceStation.objects.visible_to(user)
        .filter(organization__path__descendant_of=organization.path)
        .select_related("organization")
        .order_by("-active", "organization__path", "name", "pk")
    )


def receptions_of(user, organization: Organization):
    return (
        ReceptionSlot.objects.visible_to(user)
        .filter(organization__path__descendant_of=organization.path)
        .select_related("organization", "leader")
    )


def own_receptions(user):
    """The slots of the user's own member record (a leader sees their own)."""
    return (
        ReceptionSlot.objects.visible_to(user)
        .filter(leader__user_id=user.pk)
        .select_related("organization", "leader")
    )


def cases_of(user, organization: Organization):
    return (
        Case.objects.visible_to(user)
        .filter(organization__path__descendant_of=organization.path)
        .select_related("organization", "handler")
    )


def filter_cases(queryset, *, status="", channel="", overdue=False, organization=None, on=None):
    if status == "active":
        queryset = queryset.filter(status__in=(CaseStatus.OPEN, CaseStatus.EXPLAINED))
    elif status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if overdue:
        queryset = queryset.filter(overdue_q(on))
    if organization is not None:
        queryset = queryset.filter(organization__path__descendant_of=organization.path)
    return queryset


@dataclass
class ChildCount:
    organization: Organization | None  # None: the organisation itself
    open: int = 0
    overdue: int = 0
    explained: int = 0
    total: int = 0


def counts_by_child(user, organization: Organization, on: date | None = None) -> list[ChildCount]:
    """Open, overdue, followed-up and all cases per direct child organisation
    (subtree roll-up) and of the organisation itself: one aggregate, one query
    for the children's names."""
    on = on or timezone.localdate()
    child_label = Func(
        "organization__path",
        Value(organization.depth + 1),
        Value(1),
        function="subpath",
        template="ltree2text(%(function)s(%(expressions)s))::bigint",
        output_field=BigIntegerField(),
    )
    rows = (
        Case.objects.visible_to(user)
        .filter(organization__path__descendant_of=organization.path)
        .annotate(
            child=CaseWhen(
                When(organization_id=organization.pk, then=Value(0)),
                default=child_label,
                output_field=BigIntegerField(),
            )
        )
        .values("child")
        .order_by()
        .annotate(
            open=Count("pk", filter=Q(status=CaseStatus.OPEN)),
            overdue=Count("pk", filter=overdue_q(on)),
            explained=Count("pk", filter=Q(status=CaseStatus.EXPLAINED)),
            total=Count("pk"),
        )
    )
    by_child = {row["child"]: row for row in rows}
    children = {o.pk: o for o in Organization.objects.filter(pk__in=[k for k in by_child if k])}
    result = []
    for key, row in by_child.items():
        result.append(
            ChildCount(
                organization=children.get(key),
                open=row["open"],
                overdue=row["overdue"],
                explained=row["explained"],
                total=row["total"],
            )
        )
    result.sort(key=lambda c: (-c.overdue, -c.open, c.organization.name if c.organization else ""))
    return result


def handlers_for(organization: Organization):
    """Users who may act for the organisation (a role with CHANGE on an ancestor)."""
    ids = (
        RoleAssignment.objects.active()
        .filter(organization__path__ancestor_of=organization.path, role__in=HANDLER_ROLES)
        .values("user_id")
    )
    return User.objects.filter(Q(pk__in=ids) | Q(is_superuser=True), is_active=True).order_by(
        "name", "pk"
    )


def may_see_contact(user, case: Case) -> bool:
    """The requester's contact is shown to those who may handle the case."""
    return scoping.scope_for(user, scoping.CHANGE).covers_path(case.organization.path)


def case_timeline(case: Case) -> list[dict]:
    """The case's steps from its audit trail (pghistory), oldest first: who,
    when, what, and the step's note. Two queries whatever the length."""
    events = list(case.events.order_by("pgh_created_at", "pgh_id").select_related("pgh_context"))
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id} - {
        None
    }
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "name")) if user_ids else {}
    rows = []
    previous = None
    for e in events:
        meta = (e.pgh_context.metadata if e.pgh_context_id else None) or {}
        action = meta.get("action", "")
        if previous is not None and (action == "" or action not in ACTION_TITLES):
            if e.overdue_since and not previous.overdue_since:
                title = _("Flagged overdue")
            else:
                title = _("Changed")
        else:
            title = ACTION_TITLES.get(action, _("Changed") if previous else _("Case recorded"))
        rows.append(
            {
                "at": e.pgh_created_at,
                "title": title,
                "by": names.get(meta.get("user"), ""),
                "note": meta.get("note", ""),
                "status": e.get_status_display(),
                "feedback_due": e.feedback_due,
            }
        )
        previous = e
    return rows
