"""Reads of rectification orders, all through `visible_to`."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches import scoping
from branches.models import Organization, User

from .models import (
    GRASSROOTS_KINDS,
    WORKING,
    RectificationOrder,
    RectificationStatus,
    RectificationUpdate,
    WeakUnit,
)

ACTION_TITLES = {
    "accountability.order_issue": _("Order issued"),
    "accountability.progress_record": _("Progress recorded"),
    "accountability.order_submit": _("Submitted for acceptance"),
    "accountability.order_accept": _("Accepted"),
    "accountability.order_return": _("Returned for more work"),
    "accountability.order_cancel": _("Cancelled"),
}


def overdue_q(on: date | None = None) -> Q:
    """Orders still to be worked on past their deadline, from the date alone."""
    return Q(status__in=WORKING, deadline__lt=on or timezone.localdate())


def _with_overdue(queryset, on=None):
    return queryset.annotate(
        is_overdue=ExpressionWrapper(overdue_q(on), output_field=BooleanField()),
        update_count=Count("updates"),
    ).select_related("organization", "issued_by_org")


def issued_by(user, organization: Organization, on=None):
    """Orders issued by the organisation or one below it, overdue first."""
    queryset = RectificationOrder.objects.visible_to(user).filter(
        issued_by_org__path__descendant_of=organization.path
    )
    return _with_overdue(queryset, on).order_by("-is_overdue", "deadline", "pk")


def received_by(user, organization: Organization, on=None):
    """Orders to the organisation or one below it, overdue first."""
    queryset = RectificationOrder.objects.visible_to(user).filter(
        organization__path__descendant_of=organization.path
    )
    return _with_overdue(queryset, on).order_by("-is_overdue", "deadline", "pk")


def filter_orders(queryset, *, status="", source_kind="", overdue=False, on=None):
    if status == "open":
        queryset = queryset.exclude(
            status__in=(RectificationStatus.ACCEPTED, RectificationStatus.CANCELLED)
        )
    elif status:
        queryset = queryset.filter(status=status)
    if source_kind:
        queryset = queryset.filter(source_kind=source_kind)
    if overdue:
        queryset = queryset.filter(overdue_q(on))
    return queryset


def is_overdue(order: RectificationOrder, on: date | None = None) -> bool:
    return order.status in WORKING and order.deadline < (on or timezone.localdate())


def targets_for(user, organization: Organization):
    """Organisations below `organization` the user may order to rectify."""
    return (
        Organization.objects.visible_to(user, scoping.CHANGE)
        .filter(path__descendant_of=organization.path, dissolved__isnull=True)
        .exclude(pk=organization.pk)
        .order_by("path")
    )


def updates_of(order: RectificationOrder):
    return RectificationUpdate.objects.filter(order=order).select_related("recorded_by")


def timeline(order: RectificationOrder) -> list[dict]:
    """The order's steps from its audit trail (pghistory), oldest first. Two queries."""
    events = list(order.events.order_by("pgh_created_at", "pgh_id").select_related("pgh_context"))
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id} - {
        None
    }
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "name")) if user_ids else {}
    rows = []
    previous = None
    for e in events:
        meta = (e.pgh_context.metadata if e.pgh_context_id else None) or {}
        action = meta.get("action", "")
        if action in ACTION_TITLES:
            title = ACTION_TITLES[action]
        elif previous is not None and e.overdue_since and not previous.overdue_since:
            title = _("Flagged overdue")
        else:
            title = _("Changed") if previous else _("Order issued")
        rows.append(
            {
                "at": e.pgh_created_at,
                "title": title,
                "by": names.get(meta.get("user"), ""),
                "note": meta.get("note", ""),
                "status": e.get_status_display(),
            }
        )
        previous = e
    return rows


# --- Weak and lax organisations --------------------------------------------------------


def weak_units_under(user, organization: Organization, *, year: int | None = None, status=""):
    """Weak and lax organisations in the subtree (as the unit or as the identifier)."""
    queryset = WeakUnit.objects.visible_to(user).filter(
        Q(organization__path__descendant_of=organization.path)
        | Q(identified_by_org__path__descendant_of=organization.path)
    )
    if year:
        queryset = queryset.filter(year=year)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("organization", "identified_by_org", "order").order_by(
        "-year", "status", "organization__path"
    )


def weak_unit_targets(user, organization: Organization):
    """Grassroots organisations below `organization` the user may register as weak and lax."""
    return targets_for(user, organization).filter(kind__in=GRASSROOTS_KINDS)


def sources_of(user, order: RectificationOrder) -> list[tuple[str, str]]:
    """(label, URL or None) of the records the order arose from — a weak-unit record, a
    scorecard, a spot-check or inspection finding — that `user` may see.

    Any model with a foreign key to RectificationOrder and a `get_absolute_url`
    counts; one query per such model.
    """
    links = []
    relations = [
        f
        for f in RectificationOrder._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]
    for relation in relations:  # hidden ones too (related_name="+")
        model = relation.related_model
        if model is RectificationUpdate or not hasattr(model, "get_absolute_url"):
            continue
        if not hasattr(model.objects, "visible_to"):
            continue
        for obj in model.objects.visible_to(user).filter(**{relation.field.name: order})[:5]:
            # A source may sit on a page the user cannot open (a drawn branch sees its
            # finding, not the spot-check's unit page): then the label only.
            url = obj.url_for(user) if hasattr(obj, "url_for") else obj.get_absolute_url()
            links.append((f"{model._meta.verbose_name}: {obj}", url))
    return links
