"""`python manage.py backup [--output DIR]`: pg_dump of the database with a
manifest (branches/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from branches import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) with a manifest for the restore check."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / ".local" / "backups"),
            help="folder for the .dump and its .json manifest",
        )

    def handle(self, *args, output, **options):
        try:
            result = backup.backup(Path(output))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.dump} ({result.size / 1e6:.1f} MB, {result.tables} tables, "
                f"{result.rows} rows, sha256 {result.sha256[:16]}…), "
                f"manifest {result.manifest.name}"
            )
        )
