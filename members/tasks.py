from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import imports


@shared_task(acks_late=True)
def run_member_import(job_id: int, language: str | None = None) -> str:
    """Check (and, unless it is a preview, save) a member roster file.

    Safe to run twice: a job that is no longer queued (or left running by a
    worker that died) is skipped, and a job another worker holds is left to it.
    Messages in the report are written in `language` (the uploader's).
    """
    return imports.check_and_import(job_id, language=language or settings.LANGUAGE_CODE)


@shared_task(acks_late=True)
def purge_member_import_files(hours: int = 24) -> int:
    """Daily: delete uploaded roster files (ID-card numbers in clear) of jobs
    finished more than `hours` ago. Safe to run twice."""
    return imports.purge_files(older_than=timezone.now() - timedelta(hours=hours))
