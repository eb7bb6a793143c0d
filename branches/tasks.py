from celery import shared_task

from . import services


@shared_task(acks_late=True)
def purge_expired_grants() -> int:
    """Daily: drop workflow grants past their expiry. Safe to run twice."""
    return services.purge_expired_grants()
