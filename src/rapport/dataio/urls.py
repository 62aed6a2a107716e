"""URLs of import and export (included by the project's urls.py)."""

from django.urls import path

import rapport.core.views.urls  # noqa: F401 - registers the <entity:…> converter used below
from rapport.dataio import api, views

api_urlpatterns: list = [
    path("imports/", api.ImportListView.as_view(), name="api-imports"),
    path("imports/<uuid:pk>/", api.ImportDetailView.as_view(), name="api-import-detail"),
    path("imports/<uuid:pk>/errors.csv", api.ImportErrorsView.as_view(), name="api-import-errors"),
    path("<slug:set_name>/export/", api.ExportView.as_view(), name="api-export"),
    path("<slug:set_name>/bulk-update/", api.BulkUpdateView.as_view(), name="api-bulk-update"),
]

ui_urlpatterns: list = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_upload, name="import-upload"),
    path("imports/<uuid:pk>/", views.import_detail, name="import-detail"),
    path("imports/<uuid:pk>/mapping/", views.import_mapping, name="import-mapping"),
    path("imports/<uuid:pk>/values/", views.import_values, name="import-values"),
    path("imports/<uuid:pk>/options/", views.import_options, name="import-options"),
    path("imports/<uuid:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<uuid:pk>/resume/", views.import_resume, name="import-resume"),
    path("imports/<uuid:pk>/errors.csv", views.import_errors_csv, name="import-errors"),
    path("<entity:set_name>/export/", views.export_file, name="entity-export"),
    path("<entity:set_name>/print/", views.print_view, name="entity-print"),
]
