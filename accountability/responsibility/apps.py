from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accountability.responsibility"
    label = "responsibility"
    verbose_name = _("Responsibilities, leading groups and commendations")
