from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "branches"
    verbose_name = _("Organisations")

    def ready(self):
        from .history import protect_event_tables

        post_migrate.connect(protect_event_tables, dispatch_uid="branches-history-append-only")
