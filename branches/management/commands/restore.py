"""`python manage.py restore FILE --database-url URL`: pg_restore a backup into
an empty database, then check it against the backup's manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches import backup


class Command(BaseCommand):
    help = "Restore a backup into an empty database and check it (row counts, migrations, tree)."

    def add_arguments(self, parser):
        parser.add_argument("dump", help="the .dump file written by `manage.py backup`")
        parser.add_argument(
            "--database-url",
            required=True,
            help="the empty target database, e.g. postgres://user@host:5432/restored",
        )

    def handle(self, *args, dump, database_url, **options):
        path = Path(dump)
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            result = backup.restore(path, database_url)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        if not result.ok:
            raise CommandError("Restored, but the check failed:\n  " + "\n  ".join(result.problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and consistent: {result.tables} tables, {result.rows} rows "
                "equal to the manifest; every organisation path matches its parent."
            )
        )
