from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "rapport.core.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Declares the engine's own timed jobs (outbox dispatch, pruning); writes nothing.
        from rapport.core.jobs import tasks  # noqa: F401
        from rapport.core.navigation import Page, administrators_only, register_page

        register_page("system-jobs", Page("settings", _("System jobs"), "/settings/jobs/", administrators_only, order=90))
