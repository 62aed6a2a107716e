from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "rapport.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicate detection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core.navigation import Page, register_page
        from rapport.core.registry import registry
        from rapport.duplicates.detect import duplicates_write_hook
        from rapport.duplicates.entities import register_all
        from rapport.duplicates.shipped import on_post_migrate

        register_all()
        registry["write_hooks"].add("duplicates", duplicates_write_hook)
        from rapport.duplicates.merge_views import register_ui_hooks

        register_ui_hooks()  # the lists' "Merge" button and the history's "Undo merge"
        register_page("duplicate-check", Page("sales", _("Check before entry"), "/duplicates/check/", order=15))
        register_page("duplicate-jobs", Page("settings", _("Duplicate detection jobs"), "/duplicates/jobs/",
                                             _may_review_duplicates, order=62))
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="rapport.duplicates.shipped")


def _may_review_duplicates(user) -> bool:
    from rapport.core.permissions.privileges import has_misc_privilege

    return has_misc_privilege(user, "merge")
