"""URLs of merging (PLT-16), included by ``rapport.duplicates.urls``.

The API patterns come before the generic entity patterns in the project's urls.py, so
``/api/v1/<set>/<id>/merge/`` is matched here rather than as an unknown action.
"""

from django.urls import path

import rapport.core.views.urls  # noqa: F401 - registers the <entity:…> converter used below
from rapport.duplicates import merge_api, merge_views

api_urlpatterns: list = [
    *[path(f"{set_name}/<uuid:pk>/merge/", view.as_view(), name=f"api-{set_name}-merge")
      for set_name, view in merge_api.merge_views().items()],
    path("merges/<uuid:pk>/undo/", merge_api.MergeUndoView.as_view(), name="api-merge-undo"),
]

ui_urlpatterns: list = [
    path("<entity:set_name>/merge/", merge_views.merge_page, name="entity-merge"),
    path("merges/<uuid:pk>/undo/", merge_views.undo_page, name="merge-undo"),
]
