from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "rapport.core.search"
    label = "search"
    verbose_name = _("Search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core.registry import registry
        from rapport.core.search.service import maintain_index

        # Index maintenance runs inside every write's transaction (crud.save_record/delete_record).
        registry["write_hooks"].add("search", maintain_index)
