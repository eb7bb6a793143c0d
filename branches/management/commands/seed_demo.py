"""Load demo data: `python manage.py seed_demo --scale small`.

Idempotent: a second run finds what the first created and adds nothing.
Each app adds its records here as it gains models.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from branches.models import User

DEMO_PASSWORD = "Demo-2026-pb"  # noqa: S105 - published demo login, refused outside DEBUG


class Command(BaseCommand):
    help = "Create demo data and demo logins (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small"], default="small")
        parser.add_argument("--seed", type=int, default=2006)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a production database).",
        )

    @transaction.atomic
    def handle(self, *args, scale, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG=true.")
        logins = [self.ensure_user("admin", "系统管理员", superuser=True)]
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password {DEMO_PASSWORD}):"))
        for username, role in logins:
            self.stdout.write(f"  {username:<12} {role}")

    def ensure_user(self, username, name, *, superuser=False):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"name": name, "is_staff": superuser, "is_superuser": superuser},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return username, name
