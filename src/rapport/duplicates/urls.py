"""URLs of duplicate detection (included by the project's urls.py)."""

from django.urls import path

from rapport.duplicates import merge_urls, views
from rapport.duplicates.api import DuplicateCheckView

api_urlpatterns: list = [
    path("duplicate-check/", DuplicateCheckView.as_view(), name="api-duplicate-check"),
    *merge_urls.api_urlpatterns,
]

ui_urlpatterns: list = [
    path("duplicates/check/", views.check_page, name="duplicate-check"),
    path("duplicates/jobs/", views.jobs_page, name="duplicate-jobs"),
    path("duplicates/jobs/<uuid:pk>/", views.job_page, name="duplicate-job"),
    *merge_urls.ui_urlpatterns,
]
