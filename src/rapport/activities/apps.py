from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "rapport.activities"
    label = "activities"
    verbose_name = _("Activities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from rapport.activities import tasks  # noqa: F401  (declares the escalation schedule)
        from rapport.activities.actions import activity_write_hook
        from rapport.activities.entities import register_all
        from rapport.activities.roles import sync_activity_privileges
        from rapport.activities.views import remember_login
        from rapport.core.entities import DetailPanel, add_common_detail_panel
        from rapport.core.navigation import Page, register_page
        from rapport.core.registry import registry

        register_all()
        registry["write_hooks"].add("activities", activity_write_hook)
        add_common_detail_panel(DetailPanel("activities/timeline_panel.html", _timeline_context))
        register_page("activities-calendar", Page("sales", _("Calendar"), "/activities/calendar/", order=10))
        register_page("activities-plan", Page("sales", _("My plan"), "/activities/plan/", order=11))
        register_page("activities-reports", Page("sales", _("Activity reports"), "/activities/reports/", order=12))
        register_page("notifications", Page("sales", _("Notifications"), "/notifications/", order=13))
        user_logged_in.connect(remember_login, dispatch_uid="activities-login-digest")
        post_migrate.connect(sync_activity_privileges, sender=self, dispatch_uid="activities-privileges")


def _timeline_context(request, spec, record):
    from rapport.activities.timeline import timeline_panel_context

    return timeline_panel_context(request, spec, record)
