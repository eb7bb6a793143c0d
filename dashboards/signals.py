"""Changes to counted rows mark their organisation-year for a roll-up refresh
(dashboards.changes). Bulk writes bypass signals: the services that make them
call `changes.touch` themselves (attendance and yearly totals: in
`education.services.refresh_totals` and `attendance_save`), and the nightly
reconciliation recounts all."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from accountability.models import RectificationOrder
from branches.models import Organization, PolicyOverride
from education.models import (
    Activity,
    Campaign,
    Evaluation,
    PartySchoolTraining,
    PartyWorker,
)
from members.models import Member, MemberFlag
from mobility.models import Certificate, CertificateReview, Episode
from outreach.models import Case, Commitment, ResearchVisit

from .changes import province_changed, touch


def _branch_of(member_id):
    return Member.objects.filter(pk=member_id).values_list("branch_id", flat=True).first()


def _year(day):
    return day.year if day else None


# Each: instance -> [(organisation id, year or None)]
TOUCHES = {
    Member: lambda m: [(m.branch_id, None), (getattr(m, "_rollup_branch_id", None), None)],
    MemberFlag: lambda f: [(_branch_of(f.member_id), None)],
    Activity: lambda a: [
        (a.organization_id, _year(a.starts_at)),
        (_branch_of(a.lecturer_member_id) if a.lecturer_member_id else None, _year(a.starts_at)),
        *_loaded(a),
    ],
    Campaign: lambda c: [(c.organization_id, c.year)],
    Evaluation: lambda e: [
        (row[0], row[1])
        for row in Campaign.objects.filter(pk=e.campaign_id).values_list("organization_id", "year")
    ],
    PartyWorker: lambda w: [(w.organization_id, None), *_loaded(w)],
    PartySchoolTraining: lambda t: [
        (org_id, None)
        for org_id in PartyWorker.objects.filter(member_id=t.member_id).values_list(
            "organization_id", flat=True
        )
    ],
    Episode: lambda e: [
        (e.outflow_branch_id, None),
        (e.inflow_organization_id, None),
        (e.outflow_branch_id, _year(e.returned_on)),
    ],
    Certificate: lambda c: [
        (row, None)
        for row in Episode.objects.filter(pk=c.episode_id).values_list(
            "outflow_branch_id", flat=True
        )
    ],
    CertificateReview: lambda r: [
        (row, None)
        for row in Certificate.objects.filter(pk=r.certificate_id).values_list(
            "episode__outflow_branch_id", flat=True
        )
    ],
    Commitment: lambda c: [(c.branch_id, c.year)],
    Case: lambda c: [(c.organization_id, _year(c.received_on))],
    RectificationOrder: lambda o: [(o.organization_id, _year(o.issued_on))],
    ResearchVisit: lambda v: [(_branch_of(v.leader_id), _year(v.started_on)), *_loaded(v)],
    Organization: lambda o: [
        (o.pk, None),
        (o.parent_id, None),
        (getattr(o, "_rollup_parent_id", None), None),
    ],
}


def _changed(sender, instance, **kwargs):
    for org_id, year in TOUCHES[sender](instance):
        if isinstance(org_id, _LazyBranch):
            org_id = _branch_of(org_id.member_id) if org_id.member_id else None
        touch(org_id, year)


for model in TOUCHES:
    post_save.connect(_changed, sender=model, dispatch_uid=f"rollups-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"rollups-delete-{model.__name__}")


def _loaded(instance):
    """The organisations and year the row was loaded with (a change may move it)."""
    return getattr(instance, "_rollup_loaded", [])


@receiver(post_init, sender=Activity, dispatch_uid="rollups-activity-init")
def _activity_loaded(sender, instance, **kwargs):
    values = instance.__dict__
    if values.get("id") is None:
        return
    starts = values.get("starts_at")
    year = _year(starts)
    instance._rollup_loaded = [(values.get("organization_id"), year)]
    if values.get("lecturer_member_id"):
        instance._rollup_loaded.append((_LazyBranch(values["lecturer_member_id"]), year))


@receiver(post_init, sender=PartyWorker, dispatch_uid="rollups-worker-init")
def _worker_loaded(sender, instance, **kwargs):
    if instance.__dict__.get("id") is not None:
        instance._rollup_loaded = [(instance.__dict__.get("organization_id"), None)]


@receiver(post_init, sender=ResearchVisit, dispatch_uid="rollups-visit-init")
def _visit_loaded(sender, instance, **kwargs):
    if instance.__dict__.get("id") is not None:
        instance._rollup_loaded = [
            (
                _LazyBranch(instance.__dict__.get("leader_id")),
                _year(instance.__dict__.get("started_on")),
            )
        ]


class _LazyBranch:
    """A member's branch, looked up only when a change is saved."""

    def __init__(self, member_id):
        self.member_id = member_id


@receiver(post_init, sender=Member, dispatch_uid="rollups-member-init")
def _member_loaded(sender, instance, **kwargs):
    # The branch it was loaded with: a transfer changes two branches.
    instance._rollup_branch_id = instance.__dict__.get("branch_id")


@receiver(post_init, sender=Organization, dispatch_uid="rollups-org-init")
def _org_loaded(sender, instance, **kwargs):
    instance._rollup_parent_id = instance.__dict__.get("parent_id")


@receiver(post_save, sender=PolicyOverride, dispatch_uid="rollups-policy-save")
@receiver(post_delete, sender=PolicyOverride, dispatch_uid="rollups-policy-delete")
def _policy_changed(sender, instance, **kwargs):
    org = Organization.objects.filter(pk=instance.organization_id).first()
    if org is not None:
        province_changed(org.province_id or org.pk)
