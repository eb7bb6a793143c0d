"""Project-wide periodic tasks that belong to no single app."""

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def clear_expired_sessions() -> int:
    """Delete expired login sessions. Idempotent: a second run deletes nothing."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("cleared expired sessions", extra={"deleted": deleted})
    return deleted


@shared_task(acks_late=True)
def dispatch_outbox() -> int:
    """Send the tasks kept while the broker was down (config.outbox)."""
    from . import outbox

    return outbox.dispatch()
