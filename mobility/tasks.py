"""Background work of mobile-member management (document 3)."""

from celery import shared_task


@shared_task(acks_late=True)
def render_certificate_pdf(certificate_id: int) -> bool:
    """Render the certificate's PDF; a no-op while the stored one is current."""
    from .certificate_pdf import render_certificate
    from .models import Certificate

    try:
        return render_certificate(certificate_id)
    except Certificate.DoesNotExist:
        return False


@shared_task(acks_late=True)
def build_year_report(report_id: int) -> bool:
    """Compute the figures and render the PDF and .xlsx of a draft year-end
    report (document 3, 四). Safe to run twice; a submitted report is kept."""
    from .year_report import build

    return build(report_id)


@shared_task(bind=True, acks_late=True)
def run_mobility_cycles(self, on: str | None = None) -> dict:
    """Monthly: enqueue, per province, lost-contact detection (document 3, 三（一）)
    and the reminders of the certificates' yearly reviews."""
    from datetime import date

    from django.utils import timezone

    from education.cycles import fan_out

    day = date.fromisoformat(on) if on else timezone.localdate()
    return fan_out(self.request, day, run_province_lost_contact, run_province_certificate_reviews)


@shared_task(acks_late=True)
def run_province_lost_contact(province_id: int, on: str | None = None) -> dict | None:
    """Flag one province's lost contacts once a month (CycleRun keyed); None when done."""
    from datetime import date

    from django.utils import timezone

    from .reports import lost_contact_cycle

    day = date.fromisoformat(on) if on else timezone.localdate()
    return lost_contact_cycle(province_id, day)


@shared_task(acks_late=True)
def run_province_certificate_reviews(province_id: int, on: str | None = None) -> dict | None:
    """Remind one province's branches of the certificates' yearly reviews, once a
    month (CycleRun keyed); None when done."""
    from datetime import date

    from django.utils import timezone

    from .cycles import certificate_review_cycle

    day = date.fromisoformat(on) if on else timezone.localdate()
    return certificate_review_cycle(province_id, day)
