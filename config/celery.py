"""The Celery application and the home of the beat schedule.

Every periodic job of every app is listed in BEAT_SCHEDULE below, so the
cycles of DESIGN.md ("Cycles") can be read in one place. django-celery-beat's
database scheduler copies these entries into its tables on start.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("partybranch", include=["config.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_SCHEDULE = {
    # Every minute: tasks kept in the database while the broker was down
    # (config/outbox.py) are sent once it answers again.
    "dispatch-outbox": {
        "task": "config.tasks.dispatch_outbox",
        "schedule": crontab(),
    },
    # daily
    "clear-expired-sessions": {
        "task": "config.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-expired-grants": {
        "task": "branches.tasks.purge_expired_grants",
        "schedule": crontab(hour=0, minute=5),
    },
    # Uploaded rosters hold ID-card numbers in clear: unconfirmed previews go after a day.
    # Files of uploads whose transaction rolled back.
    "purge-orphan-attachment-files": {
        "task": "education.tasks.purge_orphan_attachment_files",
        "schedule": crontab(hour=2, minute=45),
    },
    "purge-member-import-files": {
        "task": "members.tasks.purge_member_import_files",
        "schedule": crontab(hour=2, minute=30),
    },
    # Education review cycles (democratic review, party-spirit analysis, year
    # close, party-school rotation, leaders' lectures): each checks its own
    # date and is keyed by (cycle, period, organisation) in CycleRun.
    "education-cycles": {
        "task": "education.tasks.run_education_cycles",
        "schedule": crontab(hour=1, minute=30),
    },
    # Serving the masses (document 2): members without a commitment this year
    # (from 1 April) and cases of the public past their feedback deadline;
    # keyed by (cycle, day, province) in CycleRun.
    "outreach-commitments": {
        "task": "outreach.tasks_commitments.run_commitment_cycles",
        "schedule": crontab(hour=1, minute=50),
    },
    # From 1 October: leaders short of the year's research days (document 2, 二（五）).
    "outreach-research": {
        "task": "outreach.tasks_research.run_research_cycles",
        "schedule": crontab(hour=1, minute=55),
    },
    "outreach-case-overdue": {
        "task": "outreach.tasks_cases.run_case_overdue_cycles",
        "schedule": crontab(hour=1, minute=45),
    },
    # Rectification orders past their deadline (document 4): flagged to the
    # issuing organisation, keyed by (cycle, day, province) in CycleRun.
    "accountability-rectification-overdue": {
        "task": "accountability.tasks.run_rectification_overdue_cycles",
        "schedule": crontab(hour=2, minute=5),
    },
    # Annual written reports (document 4, 四) not submitted by 31 January:
    # a reminder on the reporting organisation, keyed by (cycle, day, province).
    "accountability-written-report-overdue": {
        "task": "accountability.written_reports.tasks.run_written_report_overdue",
        "schedule": crontab(hour=2, minute=10),
    },
    # The provincial spot-check is yearly (document 3, 四): from 1 September a
    # province without a drawn one is reminded; keyed by (cycle, day, province).
    "accountability-spot-check-missing": {
        "task": "accountability.inspections.tasks.run_spot_check_cycles",
        "schedule": crontab(hour=2, minute=15),
    },
    # Dashboards: recount every province's roll-ups (this year and last) from
    # the raw rows after the night's cycles, fixing and recording any
    # difference; keyed by (cycle, day, province) in CycleRun.
    "dashboards-rollup-reconcile": {
        "task": "dashboards.tasks.run_rollup_reconcile",
        "schedule": crontab(hour=3, minute=30),
    },
    # monthly
    # Mobile members without a report or entry for the policy's days, and the
    # certificates' yearly reviews still to do (document 3, 三（一）); keyed by
    # (cycle, YYYY-MM, province) in CycleRun.
    "mobility-cycles": {
        "task": "mobility.tasks.run_mobility_cycles",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
