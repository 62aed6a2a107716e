"""URL patterns of the generic API, one set per registered entity."""

import re

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rapport.core.api.attachments import NoteAttachmentView
from rapport.core.api.views import UnknownPathView, build_entity_views
from rapport.core.entities import all_entities


def entity_urlpatterns() -> list:
    patterns = [
        path("notes/<uuid:pk>/attachment/", NoteAttachmentView.as_view(), name="api-note-attachment"),
    ]
    for spec in all_entities():
        views = build_entity_views(spec)
        base = spec.set_name
        patterns += [
            path(f"{base}/", views["list"].as_view(), name=f"api-{base}-list"),
            path(f"{base}/<uuid:pk>/", views["detail"].as_view(), name=f"api-{base}-detail"),
            path(f"{base}/<uuid:pk>/audit/", views["audit"].as_view(), name=f"api-{base}-audit"),
        ]
        for action_name, view in views["actions"].items():
            patterns.append(path(f"{base}/<uuid:pk>/{action_name}/", view.as_view(), name=f"api-{base}-{action_name}"))
        # Anything else under the set (an unknown action, an id that is not a UUID) is a
        # problem+json 404 like every other refusal, after authentication.
        patterns.append(re_path(rf"^{re.escape(base)}/.+$", UnknownPathView.as_view()))
    return patterns


schema_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
]
docs_urlpatterns = [
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
