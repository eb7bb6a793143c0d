"""`python manage.py dispatch_outbox`: send the tasks kept while the broker
was down (config/outbox.py); beat also does it every minute."""

from django.core.management.base import BaseCommand

from config import outbox


class Command(BaseCommand):
    help = "Send the Celery tasks kept in the database while the broker was unavailable."

    def handle(self, *args, **options):
        sent = outbox.dispatch()
        self.stdout.write(f"sent {sent}, still waiting {outbox.waiting()}")
