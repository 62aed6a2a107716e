from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"
    verbose_name = _("Sales")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core.navigation import Page, register_page
        from rapport.core.registry import registry
        from rapport.sales.entities import register_all
        from rapport.sales.hooks import sales_write_hook
        from rapport.sales.processes import on_post_migrate

        register_all()
        registry["write_hooks"].add("sales", sales_write_hook)
        register_page("pipeline-board", Page("sales", _("Pipeline board"), "/opportunities/board/", order=10))
        register_page("sales-reports", Page("sales", _("Sales reports"), "/sales/reports/pipeline/", order=11))
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="rapport.sales.processes")
