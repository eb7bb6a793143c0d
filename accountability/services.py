"""Writes of rectification orders (document 4: 限期整改, 整顿软弱涣散基层党组织).

Keyword-only, atomic, scope checked inside the transaction after locking the
order, under a pghistory context naming the actor, the step and its note.

The steps: an organisation above the ordered one issues the order (CHANGE on
the issuer, the ordered organisation in its subtree); the ordered
organisation records progress with evidence (issued/returned → in progress)
and submits for acceptance; the issuing organisation accepts it or returns
it with a note; the issuer may cancel an order not yet accepted, with a
note. Any other step is refused with a message naming the status.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization, Reminder, User
from education import files

from .models import (
    GRASSROOTS_KINDS,
    OPEN,
    WORKING,
    RectificationOrder,
    RectificationStatus,
    RectificationUpdate,
    SourceKind,
    WeakUnit,
    WeakUnitStatus,
)

EVIDENCE_TYPES = (files.PDF, files.JPEG, files.PNG, files.WEBP)
REMINDER_KIND = "rectification_overdue"  # ReminderKind gets this value later


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def reminder_key(order_id: int) -> str:
    return f"{REMINDER_KIND}:{order_id}"


def resolve_reminder(order: RectificationOrder) -> int:
    return Reminder.objects.filter(key=reminder_key(order.pk), resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def _lock(order: RectificationOrder) -> RectificationOrder:
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    orgs = Organization.objects.in_bulk([order.organization_id, order.issued_by_org_id])
    order.organization = orgs[order.organization_id]
    order.issued_by_org = orgs[order.issued_by_org_id]
    return order


def require_issuer(actor: User, order: RectificationOrder) -> None:
    """Acceptance, return and cancellation belong to the issuing organisation;
    the ordered side sees the order, so it gets a 403 with the reason, not a 404."""
    if not scoping.can(actor, scoping.CHANGE, order.issued_by_org) and scoping.can(
        actor, scoping.VIEW, order.organization
    ):
        raise PermissionDenied(
            _("Only %(issuer)s accepts, returns or cancels this order.")
            % {"issuer": order.issued_by_org}
        )
    scoping.require(actor, scoping.CHANGE, order.issued_by_org)


def _status_error(order: RectificationOrder, expected) -> ValidationError:
    return ValidationError(
        {
            "status": _("The order is “%(status)s”; this step needs: %(expected)s.")
            % {
                "status": order.get_status_display(),
                "expected": " / ".join(str(RectificationStatus(s).label) for s in expected),
            }
        }
    )


@transaction.atomic
def order_issue(
    *,
    actor: User,
    issued_by_org: Organization,
    organization: Organization,
    source_kind: str,
    problem: str,
    required: str,
    deadline: date,
    source_ref: str = "",
    issued_on: date | None = None,
) -> RectificationOrder:
    """Order an organisation below the issuer to rectify a problem by a deadline."""
    issuer = Organization.objects.select_for_update().get(pk=issued_by_org.pk)
    scoping.require(actor, scoping.CHANGE, issuer)
    if organization is None:
        raise ValidationError({"organization": _("Name the organisation to rectify.")})
    target = Organization.objects.get(pk=organization.pk)
    if target.pk == issuer.pk or not target.path.startswith(issuer.path + "."):
        raise ValidationError(
            {
                "organization": _("%(org)s is not an organisation below %(issuer)s.")
                % {"org": target, "issuer": issuer}
            }
        )
    if target.dissolved is not None:
        raise ValidationError({"organization": _("%(org)s is dissolved.") % {"org": target}})
    if source_kind not in SourceKind.values:
        raise ValidationError({"source_kind": _("Choose what the order arises from.")})
    today = timezone.localdate()
    issued_on = issued_on or today
    if issued_on > today:
        raise ValidationError({"issued_on": _("The day of issue is in the future.")})
    if deadline is None:
        raise ValidationError({"deadline": _("Give the deadline.")})
    if deadline < issued_on:
        raise ValidationError({"deadline": _("The deadline is on or after the day of issue.")})
    fields = {
        "problem": _required(problem, "problem", _("Say what problem was found.")),
        "required": _required(required, "required", _("Say what must be done.")),
    }
    with _audit(actor, "accountability.order_issue"):
        return RectificationOrder.objects.create(
            organization=target,
            issued_by_org=issuer,
            source_kind=source_kind,
            source_ref=(source_ref or "").strip()[:200],
            issued_on=issued_on,
            deadline=deadline,
            created_by=actor,
            **fields,
        )


def _store_evidence(update: RectificationUpdate, uploaded_file) -> None:
    name, size, found = files.checked_upload(uploaded_file, field="evidence", types=EVIDENCE_TYPES)
    update.token = secrets.token_hex(16)
    update.extension = found.extension
    update.original_name = name
    update.content_type = found.content_type
    update.size = size
    update.evidence.save(update.token + found.extension, uploaded_file, save=False)


@transaction.atomic
def progress_record(
    *,
    actor: User,
    order: RectificationOrder,
    progress: str,
    on: date | None = None,
    evidence=None,
) -> RectificationUpdate:
    """The ordered organisation reports progress, with one evidence file (PDF or image)."""
    order = _lock(order)
    scoping.require(actor, scoping.CHANGE, order.organization)
    if order.status not in WORKING:
        raise _status_error(order, WORKING)
    progress = _required(progress, "progress", _("Say what has been done."))
    today = timezone.localdate()
    on = on or today
    if on > today or on < order.issued_on:
        raise ValidationError(
            {"on": _("The progress is dated between the day of issue and today.")}
        )
    update = RectificationUpdate(order=order, on=on, progress=progress, recorded_by=actor)
    if evidence:
        _store_evidence(update, evidence)
    try:
        with _audit(actor, "accountability.progress_record"), transaction.atomic():
            update.save()
            if order.status != RectificationStatus.IN_PROGRESS:
                order.status = RectificationStatus.IN_PROGRESS
                order.save(update_fields=["status"])
    except Exception:
        if update.evidence:
            update.evidence.storage.delete(update.evidence.name)
        raise
    return update


@transaction.atomic
def order_submit(*, actor: User, order: RectificationOrder, note: str = "") -> RectificationOrder:
    """The ordered organisation reports the rectification done and asks for acceptance."""
    order = _lock(order)
    scoping.require(actor, scoping.CHANGE, order.organization)
    if order.status != RectificationStatus.IN_PROGRESS:
        raise _status_error(order, [RectificationStatus.IN_PROGRESS])
    order.status = RectificationStatus.SUBMITTED
    order.submitted_at = timezone.now()
    order.last_note = (note or "").strip()
    with _audit(actor, "accountability.order_submit", note=order.last_note):
        order.save()
    return order


@transaction.atomic
def order_accept(*, actor: User, order: RectificationOrder, note: str = "") -> RectificationOrder:
    """The issuing organisation accepts the rectification; the overdue reminder is resolved."""
    order = _lock(order)
    require_issuer(actor, order)
    if order.status != RectificationStatus.SUBMITTED:
        raise _status_error(order, [RectificationStatus.SUBMITTED])
    order.status = RectificationStatus.ACCEPTED
    order.accepted_by = actor
    order.accepted_at = timezone.now()
    order.last_note = (note or "").strip()
    submitted_on = timezone.localtime(order.submitted_at).date()
    if order.overdue_since is None and submitted_on > order.deadline:
        order.overdue_since = order.deadline + timedelta(days=1)  # done late: keep it
    with _audit(actor, "accountability.order_accept", note=order.last_note):
        order.save()
    resolve_reminder(order)
    return order


@transaction.atomic
def order_return(*, actor: User, order: RectificationOrder, note: str) -> RectificationOrder:
    """The issuing organisation finds the rectification not done and returns it, saying why."""
    order = _lock(order)
    require_issuer(actor, order)
    if order.status != RectificationStatus.SUBMITTED:
        raise _status_error(order, [RectificationStatus.SUBMITTED])
    note = _required(note, "note", _("Say what is still missing."))
    order.status = RectificationStatus.RETURNED
    order.last_note = note
    with _audit(actor, "accountability.order_return", note=note):
        order.save()
    return order


@transaction.atomic
def order_cancel(*, actor: User, order: RectificationOrder, note: str) -> RectificationOrder:
    """The issuing organisation withdraws an order not yet accepted, saying why."""
    order = _lock(order)
    require_issuer(actor, order)
    if order.status not in OPEN:
        raise _status_error(order, OPEN)
    note = _required(note, "note", _("Say why the order is cancelled."))
    order.status = RectificationStatus.CANCELLED
    order.last_note = note
    with _audit(actor, "accountability.order_cancel", note=note):
        order.save()
    resolve_reminder(order)
    return order


# --- Consolidation of weak and lax grassroots organisations ----------------------------


@transaction.atomic
def weak_unit_identify(
    *,
    actor: User,
    identified_by_org: Organization,
    organization: Organization,
    year: int,
    problems: str,
    measures: str,
    deadline: date,
    identified_on: date | None = None,
) -> WeakUnit:
    """Register a grassroots organisation as weak and lax for a year and order its
    consolidation by a deadline (one rectification order, source "weak unit")."""
    # Scope first, inside the transaction: nothing about an organisation out of
    # reach (its name, its kind, whether it is registered) may leak in an error.
    issuer = Organization.objects.select_for_update().get(pk=identified_by_org.pk)
    scoping.require(actor, scoping.CHANGE, issuer)
    if organization is not None:
        # Locked: two committees registering the same organisation queue here.
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        if organization.pk == issuer.pk or not organization.path.startswith(issuer.path + "."):
            raise ValidationError(
                {"organization": _("Choose an organisation below %(issuer)s.") % {"issuer": issuer}}
            )
    if organization is not None and organization.kind not in GRASSROOTS_KINDS:
        raise ValidationError(
            {
                "organization": _(
                    "%(org)s is not a grassroots party organisation (a grassroots committee, "
                    "general branch or branch)."
                )
                % {"org": organization}
            }
        )
    today = timezone.localdate()
    identified_on = identified_on or today
    if year is None or not (identified_on.year - 1 <= year <= identified_on.year):
        raise ValidationError(
            {"year": _("The year is the year of identification or the one before.")}
        )
    problems = _required(problems, "problems", _("Say how the organisation is weak and lax."))
    measures = _required(measures, "measures", _("Say how it will be consolidated."))
    if (
        organization is not None
        and WeakUnit.objects.filter(organization=organization, year=year).exists()
    ):
        raise ValidationError(
            {
                "organization": _("%(org)s is already registered as weak and lax for %(year)s.")
                % {"org": organization, "year": year}
            }
        )
    order = order_issue(
        actor=actor,
        issued_by_org=issuer,
        organization=organization,
        source_kind=SourceKind.WEAK_UNIT,
        source_ref=_("Weak and lax organisation, %(year)s") % {"year": year},
        problem=problems,
        required=measures,
        deadline=deadline,
        issued_on=identified_on,
    )
    with _audit(actor, "accountability.weak_unit_identify"):
        return WeakUnit.objects.create(
            organization=order.organization,
            identified_by_org=order.issued_by_org,
            year=year,
            identified_on=identified_on,
            problems=problems,
            measures=measures,
            order=order,
            created_by=actor,
        )


@transaction.atomic
def weak_unit_consolidate(
    *, actor: User, unit: WeakUnit, consolidated_on: date, result: str
) -> WeakUnit:
    """The identifying committee finds the organisation consolidated; its order must
    have been accepted first."""
    unit = WeakUnit.objects.select_for_update().select_related("order").get(pk=unit.pk)
    identified_by = Organization.objects.get(pk=unit.identified_by_org_id)
    if not scoping.can(actor, scoping.CHANGE, identified_by) and scoping.can(
        actor, scoping.VIEW, Organization.objects.get(pk=unit.organization_id)
    ):
        raise PermissionDenied(
            _("Only %(org)s finds the consolidation done.") % {"org": identified_by}
        )
    scoping.require(actor, scoping.CHANGE, identified_by)
    if unit.status != WeakUnitStatus.CONSOLIDATING:
        raise ValidationError({"status": _("The organisation is already consolidated.")})
    if unit.order.status != RectificationStatus.ACCEPTED:
        raise ValidationError(
            {
                "status": _("Accept the rectification order first (it is “%(status)s”).")
                % {"status": unit.order.get_status_display()}
            }
        )
    if consolidated_on is None or consolidated_on > timezone.localdate():
        raise ValidationError({"consolidated_on": _("Give a day that is not in the future.")})
    if consolidated_on < unit.identified_on:
        raise ValidationError({"consolidated_on": _("The day is on or after the identification.")})
    unit.result = _required(result, "result", _("Say what the consolidation achieved."))
    unit.status = WeakUnitStatus.CONSOLIDATED
    unit.consolidated_on = consolidated_on
    with _audit(actor, "accountability.weak_unit_consolidate"):
        unit.save(update_fields=["status", "consolidated_on", "result"])
    return unit
