from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    name = "rapport.pool"
    label = "pool"
    verbose_name = _("Customer pool and merge")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        pass
