"""The mobile-member information database (流动党员信息库, document 3, 三（三）).

For an organisation: who is out (the outflow branch is in its subtree) and
who is in (the inflow organisation is in its subtree), filtered by status,
destination, reason, time away, lost contact and certificate state; and the
same list exported to .xlsx with bounded memory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import IO

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from config import exports

from .models import Certificate, CertificateStatus, Episode, EpisodeStatus, Reason

OUT = "out"
IN = "in"
SIDES = (OUT, IN)
PAGE_SIZE = 50


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


@dataclass(frozen=True)
class DatabaseFilters:
    side: str = OUT
    status: str = ""
    region: str = ""
    reason: str = ""
    away_months: int | None = None
    lost_contact: bool = False
    certificate: str = ""  # a CertificateStatus, or "none"
    q: str = ""

    @classmethod
    def from_params(cls, params) -> DatabaseFilters:
        """Lenient parsing of query parameters: unknown values are ignored."""
        side = params.get("side") or OUT
        status = params.get("status") or ""
        reason = params.get("reason") or ""
        certificate = params.get("certificate") or ""
        try:
            away = int(params.get("away_months") or "")
        except ValueError:
            away = None
        return cls(
            side=side if side in SIDES else OUT,
            status=status if status in EpisodeStatus.values else "",
            region=(params.get("region") or "").strip()[:100],
            reason=reason if reason in Reason.values else "",
            away_months=away if away and 0 < away < 1200 else None,
            lost_contact=(params.get("lost_contact") or "") in ("1", "true", "on"),
            certificate=certificate if certificate in (*CertificateStatus.values, "none") else "",
            q=(params.get("q") or "").strip()[:50],
        )


def database_episodes(
    *, user, organization: Organization, filters: DatabaseFilters, today=None
) -> QuerySet[Episode]:
    """The episodes of one side of the organisation's database, scoped to `user`."""
    today = today or timezone.localdate()
    episodes = Episode.objects.visible_to(user)
    if filters.side == IN:
        episodes = episodes.filter(inflow_organization__path__descendant_of=organization.path)
    else:
        episodes = episodes.filter(outflow_branch__path__descendant_of=organization.path)
    if filters.status:
        episodes = episodes.filter(status=filters.status)
    if filters.region:
        episodes = episodes.filter(destination_region__icontains=filters.region)
    if filters.reason:
        episodes = episodes.filter(reason=filters.reason)
    if filters.away_months:
        episodes = episodes.filter(
            status=EpisodeStatus.AWAY, started_on__lte=months_before(today, filters.away_months)
        )
    if filters.lost_contact:
        episodes = episodes.filter(lost_contact_since__isnull=False, status=EpisodeStatus.AWAY)
    if filters.q:
        episodes = episodes.filter(member__name__icontains=filters.q)
    latest = Certificate.objects.filter(episode=OuterRef("pk")).order_by("-requested_at", "-pk")
    episodes = episodes.annotate(certificate_status=Subquery(latest.values("status")[:1]))
    if filters.certificate == "none":
        episodes = episodes.filter(~Exists(Certificate.objects.filter(episode=OuterRef("pk"))))
    elif filters.certificate:
        episodes = episodes.filter(certificate_status=filters.certificate)
    return episodes.select_related("member", "outflow_branch", "inflow_organization").order_by(
        "-started_on", "-pk"
    )


def months_away(episode: Episode, today: datetime.date) -> int:
    end = episode.returned_on or today
    months = (end.year - episode.started_on.year) * 12 + end.month - episode.started_on.month
    if end.day < episode.started_on.day:
        months -= 1
    return max(months, 0)


# --- .xlsx export ---------------------------------------------------------------

SHEET_TITLE = _("Mobile-member database")
HEADERS = (
    (_("Name"), 12),
    (_("Member category"), 10),
    (_("Outflow branch"), 24),
    (_("Destination"), 18),
    (_("Employer"), 22),
    (_("Reason for leaving"), 12),
    (_("Contact"), 15),
    (_("Date of leaving"), 12),
    (_("Months away"), 9),
    (_("Inflow party organisation"), 24),
    (_("Status"), 10),
    (_("Certificate status"), 16),
    (_("Last contact"), 12),
    (_("Lost contact since"), 12),
)
XLSX_CONTENT_TYPE = exports.XLSX_CONTENT_TYPE


def export_columns(today: datetime.date) -> list[exports.Column]:
    """The columns of HEADERS, for config.exports."""
    certificate_labels = dict(CertificateStatus.choices)

    def certificate(episode):
        status = getattr(episode, "certificate_status", None)
        return certificate_labels.get(status, "") if status else None

    accessors = (
        "member.name",
        "member.get_status_display",
        "outflow_branch.name",
        "destination_region",
        "destination_employer",
        "get_reason_display",
        "contact",
        "started_on",
        lambda episode: months_away(episode, today),
        "inflow_organization.name",
        "get_status_display",
        certificate,
        "last_contact_on",
        "lost_contact_since",
    )
    return [
        (title, accessor, width)
        for (title, width), accessor in zip(HEADERS, accessors, strict=True)
    ]


def export_episodes_xlsx(queryset: QuerySet[Episode], *, today=None) -> tuple[IO[bytes], int]:
    """Write the episodes (already scoped and filtered) to a temporary file;
    returns the file at its start and the number of rows. Read in chunks,
    written by a write-only workbook: memory stays bounded."""
    return exports.write_xlsx(
        queryset,
        export_columns(today or timezone.localdate()),
        sheet_title=str(SHEET_TITLE),
    )
