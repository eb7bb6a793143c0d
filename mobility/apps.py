from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mobility"
    verbose_name = _("Mobile members")
