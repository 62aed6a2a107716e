from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = _("Rapport engine")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core import entities as core_entities  # noqa: F401

        core_entities_module = __import__("rapport.core.core_entities", fromlist=["register_all"])
        core_entities_module.register_all()
        from rapport.core.navigation import Page, administrators_only, register_page

        register_page("audit", Page("settings", _("Audit history"), "/settings/audit/", administrators_only, order=80))
        register_page("preferences", Page("settings", _("My preferences"), "/settings/preferences/", order=95))
