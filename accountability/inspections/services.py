"""Writes of spot-checks and inspections (document 4 四, document 3 四).

Keyword-only, atomic, scope checked inside the transaction, under a
pghistory context naming the actor and the step.

Spot-check steps: the organisation department (CHANGE on the organising
organisation) defines the check; draws it once (status defined → drawn),
which stores the seed and the population snapshot, creates the drawn units
with their checklist and grants each inspector a view on the check, its units and exactly the
drawn branches and members until the access end; inspectors (and the department)
record checklist results and findings while the check runs (→ in progress);
every finding becomes one rectification order issued by the organising
organisation to the drawn branch; the department marks the check reported
and finally closes it, which revokes the inspectors' grants.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import services as rectification
from accountability.models import RectificationOrder
from branches import scoping
from branches.models import Organization, OrgKind, User
from branches.services import grant_object_permission, revoke_object_permission
from members.models import Member

from . import draw
from .models import (
    SPOT_CHECK_ACTIVE,
    Inspection,
    InspectionEntry,
    InspectionFinding,
    InspectionItem,
    InspectionKind,
    InspectionResult,
    InspectionSeverity,
    SpotCheck,
    SpotCheckEntry,
    SpotCheckFinding,
    SpotCheckItem,
    SpotCheckStatus,
    SpotCheckUnit,
)

ELIGIBLE_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _lock_check(check: SpotCheck) -> SpotCheck:
    check = SpotCheck.objects.select_for_update().get(pk=check.pk)
    check.organizing_org = Organization.objects.get(pk=check.organizing_org_id)
    return check


def _status_error(check: SpotCheck, expected) -> ValidationError:
    return ValidationError(
        {
            "status": _("The spot-check is “%(status)s”; this step needs: %(expected)s.")
            % {
                "status": check.get_status_display(),
                "expected": " / ".join(str(SpotCheckStatus(s).label) for s in expected),
            }
        }
    )


def _check_inspectors(organizer: Organization, inspectors) -> list[User]:
    users = list(inspectors or [])
    for user in users:
        if not user.is_active:
            raise ValidationError(
                {"inspectors": _("%(user)s is not an active user.") % {"user": user}}
            )
    return users


@transaction.atomic
def spot_check_define(
    *,
    actor: User,
    organizing_org: Organization,
    year: int,
    title: str,
    branch_sample: int,
    members_per_branch: int,
    period_start: date,
    period_end: date,
    inspectors=(),
    access_expires_at: datetime | None = None,
) -> SpotCheck:
    """Define a spot-check of the organising organisation's subtree for a year."""
    organizer = Organization.objects.select_for_update().get(pk=organizing_org.pk)
    scoping.require(actor, scoping.CHANGE, organizer)
    if organizer.kind != OrgKind.LOCAL_COMMITTEE:
        raise ValidationError(
            {"organizing_org": _("Spot-checks are organised by a local party committee.")}
        )
    title = _required(title, "title", _("Give the spot-check a title."))
    if not year or year < 2000 or year > timezone.localdate().year + 1:
        raise ValidationError({"year": _("Give the year checked.")})
    if not branch_sample or branch_sample < 1:
        raise ValidationError({"branch_sample": _("Draw at least one branch.")})
    if members_per_branch is None or members_per_branch < 0:
        raise ValidationError({"members_per_branch": _("The number of members is 0 or more.")})
    if period_start is None or period_end is None or period_end < period_start:
        raise ValidationError({"period_end": _("The check period ends on or after it starts.")})
    if access_expires_at is None:
        access_expires_at = timezone.make_aware(
            datetime.combine(period_end, datetime.max.time().replace(microsecond=0))
        )
    if access_expires_at <= timezone.now():
        raise ValidationError(
            {"access_expires_at": _("The inspectors' access ends in the future.")}
        )
    users = _check_inspectors(organizer, inspectors)
    if SpotCheck.objects.filter(organizing_org=organizer, year=year, title=title).exists():
        raise ValidationError({"title": _("There is already a spot-check with this title.")})
    with _audit(actor, "inspections.spot_check_define"):
        check = SpotCheck.objects.create(
            organizing_org=organizer,
            year=year,
            title=title,
            branch_sample=branch_sample,
            members_per_branch=members_per_branch,
            period_start=period_start,
            period_end=period_end,
            access_expires_at=access_expires_at,
            created_by=actor,
        )
        check.inspectors.set(users)
    return check


@transaction.atomic
def spot_check_set_inspectors(*, actor: User, spot_check: SpotCheck, inspectors) -> SpotCheck:
    """Change the inspectors before the draw (the draw grants them their access)."""
    check = _lock_check(spot_check)
    scoping.require(actor, scoping.CHANGE, check.organizing_org)
    if check.status != SpotCheckStatus.DEFINED:
        raise _status_error(check, [SpotCheckStatus.DEFINED])
    with _audit(actor, "inspections.spot_check_inspectors"):
        check.inspectors.set(_check_inspectors(check.organizing_org, inspectors))
    return check


def population_of(organizer: Organization) -> dict:
    """The eligible branches of the organiser's subtree by stratum (ids sorted)."""
    organizer_depth = len(organizer.path.split("."))
    areas = dict(Organization.objects.filter(parent=organizer).values_list("path", "pk").order_by())
    rows = (
        Organization.objects.filter(
            path__descendant_of=organizer.path, kind__in=ELIGIBLE_KINDS, dissolved__isnull=True
        )
        .exclude(pk=organizer.pk)
        .annotate(size=Count("members", filter=Q(members__left_on__isnull=True)))
        .values_list("pk", "path", "sector", "size")
        .order_by("pk")
    )
    strata: dict[str, dict] = {}
    for pk, path, sector, size in rows:
        area = areas.get(".".join(path.split(".")[: organizer_depth + 1]), organizer.pk)
        band = draw.size_band(size)
        key = draw.stratum_key(area, sector, band)
        stratum = strata.setdefault(
            key, {"key": key, "area": area, "sector": sector, "band": band, "ids": []}
        )
        stratum["ids"].append(pk)
    return {"strata": [strata[k] for k in sorted(strata)]}


@transaction.atomic
def spot_check_draw(*, actor: User, spot_check: SpotCheck, seed: int | None = None) -> SpotCheck:
    """Draw the sample once: store seed and population, create units, grant inspectors."""
    check = _lock_check(spot_check)
    scoping.require(actor, scoping.CHANGE, check.organizing_org)
    if check.status != SpotCheckStatus.DEFINED:
        raise _status_error(check, [SpotCheckStatus.DEFINED])
    if seed is None:
        seed = secrets.randbits(63)
    if not 0 <= seed < 2**63:
        raise ValidationError({"seed": _("The seed is a whole number from 0 to 2⁶³−1.")})
    population = population_of(check.organizing_org)
    strata_count = len(population["strata"])
    if strata_count == 0:
        raise ValidationError({"branch_sample": _("There is no branch to draw from.")})
    if check.branch_sample < strata_count:
        raise ValidationError(
            {
                "branch_sample": _(
                    "Draw at least one branch per non-empty stratum: %(count)s strata."
                )
                % {"count": strata_count}
            }
        )
    first = draw.run(seed, population, check.branch_sample, 0)
    drawn_ids = sorted(b for ids in first["branches"].values() for b in ids)
    member_rows = (
        Member.objects.current()
        .filter(branch_id__in=drawn_ids)
        .order_by("pk")
        .values_list("branch_id", "pk")
    )
    pool: dict[str, list[int]] = {str(b): [] for b in drawn_ids}
    for branch_id, member_id in member_rows:
        pool[str(branch_id)].append(member_id)
    population["members"] = pool
    result = draw.run(seed, population, check.branch_sample, check.members_per_branch)
    check.seed = seed
    check.population = population
    check.population_digest = draw.digest(population)
    check.status = SpotCheckStatus.DRAWN
    check.drawn_at = timezone.now()
    inspectors = list(check.inspectors.all())
    reason = (_("Spot-check: %(title)s") % {"title": check})[:200]

    def grant(obj):
        for user in inspectors:
            grant_object_permission(
                actor=None,
                user=user,
                obj=obj,
                action=scoping.VIEW,
                expires_at=check.access_expires_at,
                reason=reason,
            )

    with _audit(actor, "inspections.spot_check_draw", seed=seed):
        check.save()
        grant(check)
        branches = Organization.objects.in_bulk(drawn_ids)
        position = 0
        for key in sorted(result["branches"]):
            for branch_id in result["branches"][key]:
                position += 1
                unit = SpotCheckUnit.objects.create(
                    spot_check=check, branch=branches[branch_id], stratum=key, position=position
                )
                member_ids = result["members"][str(branch_id)]
                unit.members.set(member_ids)
                SpotCheckEntry.objects.bulk_create(
                    SpotCheckEntry(unit=unit, item=item) for item in SpotCheckItem.values
                )
                grant(unit)
                grant(branches[branch_id])
                for member in Member.objects.filter(pk__in=member_ids):
                    grant(member)
    if check.organizing_org.province_id == check.organizing_org_id:
        from .tasks import resolve

        resolve(check.organizing_org_id, check.year)  # the province's yearly check is drawn
    return check


def spot_check_verify(spot_check: SpotCheck) -> dict:
    """Re-run the draw from the stored seed and population; compare with the stored units.

    Returns {"matches", "digest_ok", "draw_ok", "expected", "stored"}."""
    if spot_check.seed is None:
        raise ValidationError({"status": _("The spot-check has not been drawn yet.")})
    population = spot_check.population or {}
    expected = draw.run(
        spot_check.seed, population, spot_check.branch_sample, spot_check.members_per_branch
    )
    stored_branches: dict[str, list[int]] = {}
    stored_members: dict[str, list[int]] = {}
    units = SpotCheckUnit.objects.filter(spot_check=spot_check).prefetch_related("members")
    for unit in units:
        stored_branches.setdefault(unit.stratum, []).append(unit.branch_id)
        stored_members[str(unit.branch_id)] = sorted(m.pk for m in unit.members.all())
    stored = {
        "branches": {k: sorted(v) for k, v in sorted(stored_branches.items())},
        "members": stored_members,
    }
    expected_branches = {k: v for k, v in expected["branches"].items() if v}
    draw_ok = expected_branches == stored["branches"] and expected["members"] == stored_members
    digest_ok = draw.digest(population) == spot_check.population_digest
    return {
        "matches": draw_ok and digest_ok,
        "digest_ok": digest_ok,
        "draw_ok": draw_ok,
        "expected": expected,
        "stored": stored,
    }


def may_inspect(user: User, unit: SpotCheckUnit) -> bool:
    """An inspector of the check whose grant on the drawn branch is still live."""
    check = unit.spot_check
    return (
        check.status in SPOT_CHECK_ACTIVE
        and check.inspectors.filter(pk=user.pk).exists()
        and scoping.can(user, scoping.VIEW, unit.branch)
    )


def _require_inspect(actor: User, unit: SpotCheckUnit) -> None:
    check = unit.spot_check
    if check.status not in SPOT_CHECK_ACTIVE:
        raise _status_error(check, SPOT_CHECK_ACTIVE)
    if may_inspect(actor, unit):
        return
    scoping.require(actor, scoping.CHANGE, check.organizing_org)


def _lock_unit(unit: SpotCheckUnit) -> SpotCheckUnit:
    unit = SpotCheckUnit.objects.select_for_update().get(pk=unit.pk)
    unit.spot_check = SpotCheck.objects.select_for_update().get(pk=unit.spot_check_id)
    unit.spot_check.organizing_org = Organization.objects.get(pk=unit.spot_check.organizing_org_id)
    unit.branch = Organization.objects.get(pk=unit.branch_id)
    return unit


def _mark_in_progress(check: SpotCheck) -> None:
    if check.status == SpotCheckStatus.DRAWN:
        check.status = SpotCheckStatus.IN_PROGRESS
        check.save(update_fields=["status"])


@transaction.atomic
def checklist_record(
    *, actor: User, unit: SpotCheckUnit, results: dict[str, tuple[str, str]], note: str = ""
) -> SpotCheckUnit:
    """Record the checklist results of a drawn unit: {item: (result, note)}."""
    unit = _lock_unit(unit)
    _require_inspect(actor, unit)
    for item, (result, _item_note) in results.items():
        if item not in SpotCheckItem.values:
            raise ValidationError({"item": _("Unknown checklist item %(item)s.") % {"item": item}})
        if result not in InspectionResult.values:
            raise ValidationError({item: _("Choose a result.")})
    now = timezone.now()
    with _audit(actor, "inspections.checklist_record"):
        entries = {e.item: e for e in SpotCheckEntry.objects.filter(unit=unit)}
        for item, (result, item_note) in results.items():
            entry = entries.get(item) or SpotCheckEntry(unit=unit, item=item)
            item_note = (item_note or "").strip()
            if entry.pk and entry.result == result and entry.note == item_note:
                continue
            entry.result = result
            entry.note = item_note
            entry.checked_by = actor
            entry.checked_at = now
            entry.save()
        note = (note or "").strip()
        if note != unit.note:
            unit.note = note
            unit.save(update_fields=["note"])
        _mark_in_progress(unit.spot_check)
    return unit


def _source_ref(check: SpotCheck, unit: SpotCheckUnit) -> str:
    return f"{check.year} {check.title} · {unit.branch.name}"[:200]


@transaction.atomic
def finding_record(
    *,
    actor: User,
    unit: SpotCheckUnit,
    problem: str,
    required: str,
    severity: str,
    deadline: date,
) -> SpotCheckFinding:
    """Record a finding; when the actor may issue for the organiser, its order is issued at once."""
    unit = _lock_unit(unit)
    _require_inspect(actor, unit)
    problem = _required(problem, "problem", _("Say what problem was found."))
    required = _required(required, "required", _("Say what must be done."))
    if severity not in InspectionSeverity.values:
        raise ValidationError({"severity": _("Choose the severity.")})
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline is today or later.")})
    with _audit(actor, "inspections.finding_record"):
        finding = SpotCheckFinding.objects.create(
            unit=unit,
            problem=problem,
            required=required,
            severity=severity,
            deadline=deadline,
            created_by=actor,
        )
        _mark_in_progress(unit.spot_check)
    if scoping.can(actor, scoping.CHANGE, unit.spot_check.organizing_org):
        finding_issue_order(actor=actor, finding=finding)
        finding.refresh_from_db()
    return finding


@transaction.atomic
def finding_issue_order(*, actor: User, finding: SpotCheckFinding) -> RectificationOrder:
    """The organising organisation orders the drawn branch to rectify the finding. Once."""
    finding = SpotCheckFinding.objects.select_for_update().get(pk=finding.pk)
    unit = SpotCheckUnit.objects.select_related("spot_check__organizing_org", "branch").get(
        pk=finding.unit_id
    )
    check = unit.spot_check
    scoping.require(actor, scoping.CHANGE, check.organizing_org)
    if finding.order_id is not None:
        return RectificationOrder.objects.get(pk=finding.order_id)
    order = rectification.order_issue(
        actor=actor,
        issued_by_org=check.organizing_org,
        organization=unit.branch,
        source_kind="spot_check",
        source_ref=_source_ref(check, unit),
        problem=finding.problem,
        required=finding.required,
        deadline=finding.deadline,
    )
    with _audit(actor, "inspections.finding_issue_order"):
        finding.order = order
        finding.save(update_fields=["order"])
    return order


@transaction.atomic
def spot_check_report(*, actor: User, spot_check: SpotCheck) -> SpotCheck:
    """Mark the check reported (the report itself is generated on request)."""
    check = _lock_check(spot_check)
    scoping.require(actor, scoping.CHANGE, check.organizing_org)
    allowed = (SpotCheckStatus.DRAWN, SpotCheckStatus.IN_PROGRESS)
    if check.status == SpotCheckStatus.REPORTED:
        return check
    if check.status not in allowed:
        raise _status_error(check, allowed)
    with _audit(actor, "inspections.spot_check_report"):
        check.status = SpotCheckStatus.REPORTED
        check.save(update_fields=["status"])
    return check


def revoke_grants(check: SpotCheck) -> int:
    """Take back every grant the draw gave (check, units, branches, members). Idempotent."""
    revoked = 0
    units = SpotCheckUnit.objects.filter(spot_check=check).select_related("branch")
    units = units.prefetch_related("members")
    inspectors = list(check.inspectors.all())
    objects = [check]
    for unit in units:
        objects += [unit, unit.branch, *unit.members.all()]
    for user in inspectors:
        for obj in objects:
            revoked += revoke_object_permission(actor=None, user=user, obj=obj, action=scoping.VIEW)
    return revoked


@transaction.atomic
def spot_check_close(*, actor: User, spot_check: SpotCheck) -> SpotCheck:
    """Close the check: the inspectors lose their access at once."""
    check = _lock_check(spot_check)
    scoping.require(actor, scoping.CHANGE, check.organizing_org)
    if check.status not in SPOT_CHECK_ACTIVE:
        raise _status_error(check, SPOT_CHECK_ACTIVE)
    with _audit(actor, "inspections.spot_check_close"):
        revoke_grants(check)
        check.status = SpotCheckStatus.CLOSED
        check.closed_at = timezone.now()
        check.save(update_fields=["status", "closed_at"])
    return check


# --- inspections --------------------------------------------------------------------


def _lock_inspection(inspection: Inspection) -> Inspection:
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    inspection.organizing_org = Organization.objects.get(pk=inspection.organizing_org_id)
    return inspection


@transaction.atomic
def inspection_create(
    *,
    actor: User,
    organizing_org: Organization,
    kind: str,
    title: str,
    period_start: date,
    period_end: date,
    organizations,
    items: list[str],
) -> Inspection:
    """An inspection of organisations in the organiser's subtree, with its checklist."""
    organizer = Organization.objects.select_for_update().get(pk=organizing_org.pk)
    scoping.require(actor, scoping.CHANGE, organizer)
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": _("Choose the kind of inspection.")})
    title = _required(title, "title", _("Give the inspection a title."))
    if period_start is None or period_end is None or period_end < period_start:
        raise ValidationError({"period_end": _("The period ends on or after it starts.")})
    targets = list(organizations or [])
    if not targets:
        raise ValidationError({"organizations": _("Name the organisations inspected.")})
    for org in targets:
        org.refresh_from_db(fields=["path"])
        if org.pk == organizer.pk or not org.path.startswith(organizer.path + "."):
            raise ValidationError(
                {
                    "organizations": _("%(org)s is not an organisation below %(issuer)s.")
                    % {"org": org, "issuer": organizer}
                }
            )
    texts = [t.strip() for t in items or [] if t and t.strip()]
    if not texts:
        raise ValidationError({"items": _("Give at least one checklist item.")})
    with _audit(actor, "inspections.inspection_create"):
        inspection = Inspection.objects.create(
            organizing_org=organizer,
            kind=kind,
            title=title,
            period_start=period_start,
            period_end=period_end,
            created_by=actor,
        )
        inspection.organizations.set(targets)
        created = InspectionItem.objects.bulk_create(
            InspectionItem(inspection=inspection, text=text[:300], position=i)
            for i, text in enumerate(texts, 1)
        )
        InspectionEntry.objects.bulk_create(
            InspectionEntry(item=item, organization=org) for item in created for org in targets
        )
    return inspection


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    inspection: Inspection,
    results: dict[int, tuple[str, str]],
    follow_up: str | None = None,
) -> Inspection:
    """Record results {entry id: (result, note)} and the follow-up note."""
    inspection = _lock_inspection(inspection)
    scoping.require(actor, scoping.CHANGE, inspection.organizing_org)
    entries = InspectionEntry.objects.filter(item__inspection=inspection).in_bulk(list(results))
    with _audit(actor, "inspections.inspection_record"):
        for entry_id, (result, note) in results.items():
            if entry_id not in entries:
                raise ValidationError({"results": _("Unknown checklist entry.")})
            if result not in InspectionResult.values:
                raise ValidationError({"results": _("Choose a result.")})
            entry = entries[entry_id]
            note = (note or "").strip()
            if (entry.result, entry.note) != (result, note):
                entry.result, entry.note = result, note
                entry.save(update_fields=["result", "note"])
        if follow_up is not None and follow_up.strip() != inspection.follow_up:
            inspection.follow_up = follow_up.strip()
            inspection.save(update_fields=["follow_up"])
    return inspection


@transaction.atomic
def inspection_finding_record(
    *,
    actor: User,
    inspection: Inspection,
    organization: Organization,
    problem: str,
    required: str,
    severity: str,
    deadline: date,
) -> InspectionFinding:
    """A finding on an inspected organisation, with its rectification order."""
    inspection = _lock_inspection(inspection)
    scoping.require(actor, scoping.CHANGE, inspection.organizing_org)
    if organization is None or not inspection.organizations.filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("Choose an organisation this inspection covers.")})
    problem = _required(problem, "problem", _("Say what problem was found."))
    required = _required(required, "required", _("Say what must be done."))
    if severity not in InspectionSeverity.values:
        raise ValidationError({"severity": _("Choose the severity.")})
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline is today or later.")})
    order = rectification.order_issue(
        actor=actor,
        issued_by_org=inspection.organizing_org,
        organization=organization,
        source_kind="inspection",
        source_ref=f"{inspection.title} · {organization.name}"[:200],
        problem=problem,
        required=required,
        deadline=deadline,
    )
    with _audit(actor, "inspections.inspection_finding_record"):
        return InspectionFinding.objects.create(
            inspection=inspection,
            organization=organization,
            problem=problem,
            required=required,
            severity=severity,
            deadline=deadline,
            order=order,
            created_by=actor,
        )
