"""The certificate PDF download, the member's own mobility page and the
public verification page reached from the QR code."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config import throttle

from . import certificate_pdf
from .models import Certificate, CertificateEntry, Episode

VERIFY_LIMIT = 30  # lookups per IP address and minute
PDF_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


@login_required
@require_GET
def certificate_pdf_download(request, pk):
    """The stored PDF; rendered here once when missing or stale.

    A certificate renders in about a second, so the user gets the current
    file at once instead of a "being generated" page to reload.
    """
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)
    if not certificate.verification_code:
        raise Http404(_("This certificate has no verification code yet."))
    if not certificate_pdf.is_current(certificate):
        certificate_pdf.render_certificate(certificate.pk)
        certificate.refresh_from_db(fields=["pdf", "pdf_version"])
    try:
        handle = certificate.pdf.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    filename = f"certificate-{certificate.number or certificate.pk}.pdf"
    response = FileResponse(
        handle, content_type="application/pdf", as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_CSP
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def my_mobility(request):
    """The member's own episodes away and certificates, with the PDF link."""
    episodes = list(
        Episode.objects.visible_to(request.user)
        .filter(member__user=request.user)
        .select_related("outflow_branch", "inflow_organization")
        .order_by("-started_on")
    )
    certificates = list(
        Certificate.objects.visible_to(request.user)
        .filter(member__user=request.user)
        .select_related("episode", "checked_in_org")
        .order_by("-requested_at")
    )
    entries = (
        CertificateEntry.objects.visible_to(request.user)
        .filter(certificate__member__user=request.user)
        .select_related("organization", "certificate")
        .order_by("-on", "-pk")
    )
    by_episode: dict[int, list] = {}
    for certificate in certificates:
        by_episode.setdefault(certificate.episode_id, []).append(certificate)
    entries_by_episode: dict[int, list] = {}
    for entry in entries:
        entries_by_episode.setdefault(entry.certificate.episode_id, []).append(entry)
    for episode in episodes:
        episode.my_certificates = by_episode.get(episode.pk, [])
        episode.my_entries = entries_by_episode.get(episode.pk, [])
    return render(request, "mobility/pdf/mine.html", {"episodes": episodes})


def _rate_limited(request) -> bool:
    """A fixed one-minute window per client address."""
    return throttle.over_limit("mobility-verify", throttle.client_ip(request), VERIFY_LIMIT)


@never_cache
@require_GET
def verify_certificate(request, code):
    """Public: whether a certificate is valid, with nothing private on it."""
    if _rate_limited(request):
        return HttpResponse(
            _("Too many lookups. Please wait a minute."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    certificate = get_object_or_404(
        Certificate.objects.select_related("member", "episode__outflow_branch"),
        verification_code=code.strip(),
    )
    until = certificate_pdf.valid_until(certificate, certificate.reviews.all())
    context = {
        # Issued or checked in, and reviewed in time (document 3, 三（一）).
        "valid": certificate.status in certificate_pdf.VALID_STATUSES
        and until is not None
        and until >= timezone.localdate(),
        "valid_until": until,
        "number": certificate.number,
        "masked_name": certificate_pdf.mask_name(certificate.member.name),
        "organization": certificate.episode.outflow_branch.name,
        "issued_on": (
            timezone.localtime(certificate.issued_at).date() if certificate.issued_at else None
        ),
    }
    response = render(request, "mobility/pdf/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
