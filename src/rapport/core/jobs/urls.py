"""Browser pages of background work (System jobs under Settings)."""

from django.urls import path

from rapport.core.jobs import views

ui_urlpatterns: list = [
    path("settings/jobs/", views.system_jobs, name="system-jobs"),
    path("settings/jobs/<uuid:result_id>/retry/", views.retry, name="system-jobs-retry"),
]
