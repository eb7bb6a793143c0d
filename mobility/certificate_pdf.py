"""The printed 《流动党员活动证》: data, version, QR code and rendering.

Everything printed comes from `certificate_data`; its hash is the version,
so the PDF is rendered again only when something printed has changed.
Rendering runs in the Celery task `mobility.tasks.render_certificate_pdf`;
services call `queue_render(certificate)` after each change.
"""

import hashlib
import json
import secrets
from datetime import date

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from branches import policies
from config import outbox
from config.pdf import render_pdf

from .models import Certificate, CertificateStatus

TEMPLATE = "mobility/pdf/certificate.html"
# Bump when the template changes, so every stored PDF is rendered again.
LAYOUT_REVISION = "2"
VALID_STATUSES = (CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN)

PDF_CSS = """
@page { size: A5; margin: 10mm 10mm; }
html { font-size: 9pt; }
"""


def _day(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _name(org) -> str:
    return org.name if org is not None else ""


def mask_name(name: str) -> str:
    """张三梅 → 张*梅, 张三 → 张*: enough to recognise, not to identify."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def verification_path(certificate) -> str:
    return reverse("verify_certificate", args=[certificate.verification_code])


def verification_url(certificate) -> str:
    base = getattr(settings, "SITE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + verification_path(certificate)


def valid_until(certificate, reviews, years: int | None = None) -> date | None:
    """The certificate is reviewed every year (document 3, 三（一）): valid until a
    year (the policy's interval) after its issue or its last review.

    `reviews`: the certificate's reviews (or their dates); `years`: the outflow
    branch's interval when the caller has it already.
    """
    if certificate.issued_at is None:
        return None
    start = timezone.localtime(certificate.issued_at).date()
    days = [getattr(r, "reviewed_on", r) for r in reviews if r is not None]
    if days:
        start = max(start, max(days))
    if years is None:
        years = policies.policy_in_force(
            certificate.episode.outflow_branch, "certificate_review_interval_years"
        )
    try:
        return start.replace(year=start.year + int(years))
    except ValueError:  # 29 February
        return start.replace(year=start.year + int(years), day=28)


def _load(certificate_id: int) -> Certificate:
    return Certificate.objects.select_related(
        "member",
        "episode__outflow_branch",
        "episode__inflow_organization",
        "stamped_by_org",
        "checked_in_org",
        "filed_with",
    ).get(pk=certificate_id)


def certificate_data(certificate) -> dict:
    """Every value printed on the certificate, as plain strings."""
    member, episode = certificate.member, certificate.episode
    reviews = list(certificate.reviews.select_related("organization").order_by("year"))
    entries = list(
        certificate.entries.select_related("organization", "activity", "dues").order_by("on", "pk")
    )
    return {
        "layout": LAYOUT_REVISION,
        "number": certificate.number,
        "code": certificate.verification_code,
        "verify_url": verification_url(certificate),
        "status": certificate.status,
        "status_display": str(certificate.get_status_display()),
        "member": {
            "name": member.name,
            "gender": str(member.get_gender_display()),
            "birth_date": _day(member.birth_date),
            "id_number_masked": member.id_number_masked,
            "joined_on": _day(member.joined_on),
            "status": str(member.get_status_display()),
        },
        "episode": {
            "outflow_branch": episode.outflow_branch.name,
            "contact": episode.contact,
            "destination_region": episode.destination_region,
            "destination_employer": episode.destination_employer,
            "destination_address": episode.destination_address,
            "reason": str(episode.get_reason_display()),
            "started_on": _day(episode.started_on),
            "expected_return": _day(episode.expected_return),
            "inflow_organization": _name(episode.inflow_organization),
            "inflow_basis": str(episode.get_inflow_basis_display()) if episode.inflow_basis else "",
        },
        "requested_on": _day(certificate.requested_at),
        "stamped_by_org": _name(certificate.stamped_by_org),
        "stamped_on": _day(certificate.stamped_at),
        "issued_on": _day(certificate.issued_at),
        "checked_in_org": _name(certificate.checked_in_org),
        "checked_in_on": _day(certificate.checked_in_at),
        "filed_with": _name(certificate.filed_with),
        "returned_on": _day(certificate.returned_at),
        "cancelled_reason": certificate.cancelled_reason,
        "valid_until": _day(valid_until(certificate, reviews)),
        "reviews": [
            {
                "year": r.year,
                "organization": r.organization.name,
                "reviewed_on": _day(r.reviewed_on),
                "notes": r.notes,
            }
            for r in reviews
        ],
        "entries": [
            {
                "kind": e.kind,
                "kind_display": str(e.get_kind_display()),
                "on": _day(e.on),
                "organization": e.organization.name,
                "activity": e.activity.title if e.activity_id else "",
                "description": e.description,
                "dues_period": e.dues.period_start.strftime("%Y-%m") if e.dues_id else "",
                "dues_months": e.dues.months if e.dues_id else "",
                "dues_amount": str(e.dues.amount) if e.dues_id else "",
            }
            for e in entries
        ],
    }


def _version_of(data: dict) -> str:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def certificate_version(certificate) -> str:
    """A hash of everything printed: member data, status, stamps, reviews, entries, number."""
    with translation.override(settings.LANGUAGE_CODE):
        return _version_of(certificate_data(certificate))


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_certificate(certificate_id: int) -> bool:
    """Render and store the PDF unless the stored one is current; True when rendered."""
    certificate = _load(certificate_id)
    if not certificate.verification_code:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        data = certificate_data(certificate)
        version = _version_of(data)
        if certificate.pdf and certificate.pdf_version == version:
            return False
        pdf = render_pdf(
            TEMPLATE,
            {"c": data, "qr": qr_data_uri(data["verify_url"])},
            extra_css=PDF_CSS,
        )
    old_name = certificate.pdf.name if certificate.pdf else ""
    name = f"{secrets.token_hex(16)}.pdf"
    certificate.pdf.save(name, ContentFile(pdf), save=False)
    # Only the two file fields: the workflow may have moved on meanwhile.
    Certificate.objects.filter(pk=certificate.pk).update(
        pdf=certificate.pdf.name, pdf_version=version
    )
    if old_name and old_name != certificate.pdf.name:
        certificate.pdf.storage.delete(old_name)
    return True


def is_current(certificate) -> bool:
    return bool(certificate.pdf) and certificate.pdf_version == certificate_version(certificate)


def queue_render(certificate) -> None:
    """Render the certificate's PDF in the background once the transaction commits."""
    from .tasks import render_certificate_pdf

    pk = certificate.pk
    # robust: a broker that is down must not fail the step that was saved;
    # the download renders a stale PDF itself.
    outbox.on_commit(render_certificate_pdf, pk)
