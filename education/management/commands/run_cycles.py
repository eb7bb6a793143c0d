"""Run the education review cycles by hand.

python manage.py run_cycles                   # enqueue today's cycles (Celery)
python manage.py run_cycles --on 2027-02-01 --sync   # run in this process
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from education import cycles
from education.tasks import run_education_cycles


class Command(BaseCommand):
    help = "Run the education review cycles (democratic review, party-spirit analysis, "
    help += "year close, party-school rotation, leaders' lectures) for a date."

    def add_arguments(self, parser):
        parser.add_argument("--on", help="the date to run for, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--sync", action="store_true", help="run in this process instead of on the workers"
        )
        parser.add_argument("--province", type=int, help="only this province (id); with --sync")

    def handle(self, *args, on=None, sync=False, province=None, **options):
        try:
            day = date.fromisoformat(on) if on else timezone.localdate()
        except ValueError:
            raise CommandError(f"--on must be a date like 2027-02-01, not {on!r}") from None
        if not sync:
            result = run_education_cycles.delay(day.isoformat())
            self.stdout.write(f"Enqueued the cycles of {day} (task {result.id}).")
            return
        ids = [province] if province else list(cycles.provinces())
        failed = []
        for province_id in ids:
            summary = cycles.run_province(province_id, day)
            failed += [f"{province_id}/{name}" for name in cycles.failures(summary)]
            self.stdout.write(f"province {province_id}, {day}:")
            for cycle, outcome in summary.items():
                if outcome is None or outcome == []:
                    outcome = "nothing due or already done"
                elif not isinstance(outcome, str):
                    outcome = json.dumps(outcome, ensure_ascii=False, default=str)
                self.stdout.write(f"  {cycle}: {outcome}")
        if failed:
            raise CommandError(f"cycles failed (see the log): {', '.join(failed)}")
