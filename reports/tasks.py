"""Year-end report tasks: take ids, safe to run twice (see reports.build)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def build_year_end_report(self, report_id: int, generation: int) -> bool:
    """Build and store one generation of a year-end report; False when there
    was nothing to do (done already, or requested again meanwhile)."""
    from . import build

    try:
        return build.build(report_id, generation)
    except Exception as error:
        if self.request.called_directly or self.request.retries >= self.max_retries:
            build.fail(report_id, generation, f"{type(error).__name__}: {error}")
        raise
