from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "rapport.security"
    label = "security"
    verbose_name = _("Security")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core.registry import registry
        from rapport.security.actions_sharing import forget_shares_on_delete
        from rapport.security.roles import on_post_migrate

        # Shipped roles follow the registry: every entity registered by any app gets privileges.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="rapport-security-shipped-roles")
        registry["write_hooks"].add("security-shares", forget_shares_on_delete)

        from rapport.core.navigation import Page, register_page

        def user_managers(user):
            from rapport.core.permissions.privileges import has_misc_privilege

            return bool(getattr(user, "is_authenticated", False)) and has_misc_privilege(user, "manage_users")

        register_page("security", Page("settings", _("Security"), "/settings/security/", user_managers, order=10))
        register_page("users", Page("settings", _("Users"), "/settings/users/", user_managers, order=11))
        register_page("business-units", Page("settings", _("Business units"), "/settings/business-units/",
                                             user_managers, order=12))
        register_page("teams", Page("settings", _("Teams"), "/settings/teams/", user_managers, order=13))
        register_page("roles", Page("settings", _("Security roles"), "/settings/roles/", user_managers, order=14))
