from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "rapport.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicate detection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        pass
