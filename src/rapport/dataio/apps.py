"""Moving data in and out (PLT-12..14): import, export, bulk edit."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataIOConfig(AppConfig):
    name = "rapport.dataio"
    label = "dataio"
    verbose_name = _("Import and export")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rapport.core.navigation import Page, register_page
        from rapport.core.permissions.privileges import has_misc_privilege
        from rapport.core.views.list import register_list_tool
        from rapport.dataio.tools import export_tools, import_tool, print_tool

        register_list_tool(export_tools("xlsx"))
        register_list_tool(export_tools("csv"))
        register_list_tool(print_tool)
        register_list_tool(import_tool)
        register_page("imports", Page(area="settings", label=_("Data import"), url="/imports/", order=60,
                                      visible=lambda user: has_misc_privilege(user, "import")))
