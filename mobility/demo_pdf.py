"""Demo data: render the PDFs of the demo certificates (called from seed_demo)."""

from . import certificate_pdf
from .models import Certificate, CertificateStatus


def ensure_certificate_pdfs() -> int:
    """Render every issued or checked-in certificate whose PDF is missing or stale.

    Idempotent: a current PDF is left alone. Returns how many were rendered.
    """
    ids = (
        Certificate.objects.filter(
            status__in=[CertificateStatus.ISSUED, CertificateStatus.CHECKED_IN]
        )
        .exclude(verification_code="")
        .values_list("pk", flat=True)
    )
    return sum(certificate_pdf.render_certificate(pk) for pk in ids)
