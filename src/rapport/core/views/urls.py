"""Browser URLs (DESIGN convention 7): ``/<set>/``, ``/<set>/new/``, ``/<set>/<id>/``, ``/<set>/<id>/edit/``,
``/settings/…``. ``<entity:…>`` matches only registered sets with pages, so an entity registered
later gets every page without a line here, and no other URL is shadowed.
"""

from django.urls import path, register_converter

from rapport.core.views import (
    audit,
    auth,
    bulk,
    detail,
    form,
    home,
    lookups,
    notes,
    preferences,
    saved_views,
)
from rapport.core.views import list as list_views
from rapport.core.views.common import EntitySetConverter

register_converter(EntitySetConverter, "entity")

urlpatterns = [
    path("login/", auth.SignInView.as_view(), name="login"),
    path("logout/", auth.sign_out, name="logout"),
    path("password/", auth.change_password, name="change-password"),
    path("settings/", preferences.settings_home, name="settings"),
    path("settings/preferences/", preferences.preferences, name="preferences"),
    path("settings/audit/", audit.global_audit, name="global-audit"),
    path("notes/<uuid:pk>/file/", notes.download_note_file, name="note-file"),
    path("notes/<uuid:pk>/delete/", notes.delete_note, name="note-delete"),
    path("<entity:set_name>/", list_views.entity_list, name="entity-list"),
    path("<entity:set_name>/filter-row/", list_views.filter_row, name="entity-filter-row"),
    path("<entity:set_name>/bulk/", bulk.bulk_view, name="entity-bulk"),
    path("<entity:set_name>/views/", saved_views.create_view, name="entity-save-view"),
    path("<entity:set_name>/views/<uuid:pk>/delete/", saved_views.delete_view, name="entity-delete-view"),
    path("<entity:set_name>/lookup/", lookups.lookup_view, name="entity-lookup"),
    path("<entity:set_name>/new/", form.create_view, name="entity-new"),
    path("<entity:set_name>/quick-create/", form.quick_create, name="entity-quick-create"),
    path("<entity:set_name>/<uuid:pk>/", detail.detail_view, name="entity-detail"),
    path("<entity:set_name>/<uuid:pk>/edit/", form.edit_view, name="entity-edit"),
    path("<entity:set_name>/<uuid:pk>/delete/", detail.delete_view, name="entity-delete"),
    path("<entity:set_name>/<uuid:pk>/run/<slug:action_name>/", detail.run_action_view, name="entity-action"),
    path("<entity:set_name>/<uuid:pk>/notes/", notes.add_note, name="entity-add-note"),
    path("<entity:set_name>/<uuid:pk>/audit/", audit.record_audit, name="entity-audit"),
    path("", home.home, name="home"),
]
