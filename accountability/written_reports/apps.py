from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WrittenReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accountability.written_reports"
    label = "written_reports"
    verbose_name = _("Annual written reports")
