"""URLs of the activities app: API additions (before the generated entity URLs) and browser pages."""

from django.urls import path

from rapport.activities import views


def api_urlpatterns() -> list:
    from rapport.activities.api import api_urlpatterns as patterns

    return patterns()


ui_urlpatterns = [
    path("activities/calendar/", views.calendar_view, name="activities-calendar"),
    path("activities/plan/", views.plan_view, name="activities-plan"),
    path("activities/reports/", views.reports_view, name="activities-reports"),
    path("activities/compose/", views.compose, name="activities-compose"),
    path("activities/<uuid:pk>/reschedule/", views.reschedule, name="activities-reschedule"),
    path("activities/timeline/<slug:set_name>/<uuid:pk>/", views.timeline_items, name="activities-timeline"),
    path("activities/timeline/<slug:set_name>/<uuid:pk>/add/", views.timeline_add, name="activities-timeline-add"),
    path("notifications/", views.notification_centre, name="notifications"),
    path("notifications/bell/", views.bell, name="notifications-bell"),
    path("notifications/read-all/", views.read_all_notifications, name="notifications-read-all"),
    path("notifications/<uuid:pk>/open/", views.open_notification, name="notification-open"),
    path("notifications/<uuid:pk>/read/", views.read_notification, name="notification-read"),
]
