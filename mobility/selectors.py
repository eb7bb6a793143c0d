"""Reads of the mobile-member workflow, all through `visible_to`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches import scoping
from branches.models import Organization

from .models import (
    Certificate,
    CertificateEntry,
    CertificateReview,
    CertificateStatus,
    Episode,
    InflowOpinion,
    MemberReport,
)

TITLES = {
    "reported": _("Reported to the branch"),
    "left": _("Left"),
    "requested": _("Certificate requested"),
    "stamped": _("Certificate stamped"),
    "issued": _("Certificate issued"),
    "checked_in": _("Checked in at the inflow organisation"),
    "certificate_returned": _("Certificate returned and verified"),
    "cancelled": _("Certificate cancelled"),
    "review": _("Yearly review"),
    "org_life": _("Organisational life attended"),
    "dues": _("Dues paid"),
    "report_yearly": _("Yearly report"),
    "report_change": _("Change of address, employer or contact"),
    "opinion": _("Opinion of the inflow organisation"),
    "returned": _("Returned"),
}


def episodes_visible(user, action: str = scoping.VIEW):
    """Episodes on either side of the user's reach (outflow branch or inflow organisation)."""
    return (
        Episode.objects.visible_to(user, action)
        .select_related("member", "outflow_branch", "inflow_organization")
        .order_by("-started_on", "-pk")
    )


def checked_in_member_ids(actor, number: str | None = None):
    """Ids of members checked in (by certificate) at an organisation the actor may
    change; with `number`, only the member of that certificate."""
    certificates = Certificate.objects.filter(
        status=CertificateStatus.CHECKED_IN,
        episode__inflow_organization__in=Organization.objects.visible_to(actor, scoping.CHANGE),
    )
    if number is not None:
        certificates = certificates.filter(number=number.strip())
    return certificates.values("member_id")


def episode_timeline(episode: Episode) -> list[dict]:
    """The steps of the episode's certificates, reviews, entries, the member's reports
    and inflow opinions, oldest first. Five queries whatever the length."""
    rows: list[dict] = [
        {"on": episode.reported_on, "kind": "reported", "label": "", "by": None},
        {"on": episode.started_on, "kind": "left", "label": episode.destination_region, "by": None},
    ]
    certificates = list(
        episode.certificates.select_related(
            "requested_by",
            "stamped_by",
            "stamped_by_org",
            "issued_by",
            "checked_in_by",
            "checked_in_org",
            "returned_by",
        )
    )
    for c in certificates:
        for kind, at, by, label in [
            ("requested", c.requested_at, c.requested_by, ""),
            ("stamped", c.stamped_at, c.stamped_by, str(c.stamped_by_org or "")),
            ("issued", c.issued_at, c.issued_by, c.number),
            ("checked_in", c.checked_in_at, c.checked_in_by, str(c.checked_in_org or "")),
            ("certificate_returned", c.returned_at, c.returned_by, ""),
        ]:
            if at:
                rows.append({"on": timezone.localdate(at), "kind": kind, "label": label, "by": by})
        if c.status == CertificateStatus.CANCELLED:
            rows.append({"on": None, "kind": "cancelled", "label": c.cancelled_reason, "by": None})
    for r in CertificateReview.objects.filter(certificate__episode=episode).select_related(
        "organization", "reviewed_by"
    ):
        rows.append(
            {
                "on": r.reviewed_on,
                "kind": "review",
                "label": r.notes or str(r.organization),
                "by": r.reviewed_by,
            }
        )
    for e in CertificateEntry.objects.filter(certificate__episode=episode).select_related(
        "recorded_by", "organization"
    ):
        rows.append(
            {
                "on": e.on,
                "kind": e.kind,
                "label": e.description or str(e.organization),
                "by": e.recorded_by,
            }
        )
    for m in MemberReport.objects.filter(episode=episode).select_related("submitted_by"):
        rows.append(
            {
                "on": m.on,
                "kind": f"report_{m.kind}",
                "label": m.get_kind_display(),
                "by": m.submitted_by,
            }
        )
    for o in InflowOpinion.objects.filter(episode=episode).select_related("given_by"):
        rows.append({"on": o.given_on, "kind": "opinion", "label": o.opinion, "by": o.given_by})
    if episode.returned_on:
        rows.append(
            {
                "on": episode.returned_on,
                "kind": "returned",
                "label": episode.return_review,
                "by": None,
            }
        )
    last = max((r["on"] for r in rows if r["on"]), default=None)
    for r in rows:
        if r["on"] is None:  # a cancellation has no date of its own
            r["on"] = last
        r["title"] = TITLES[r["kind"]]
    return sorted(rows, key=lambda r: r["on"])
