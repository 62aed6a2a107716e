"""URLs of the sales pages and the public web-lead endpoint (included by the project's urls.py)."""

from django.urls import path

from rapport.sales import views
from rapport.sales.web_leads import WebLeadView

api_urlpatterns = [
    path("web-leads/", WebLeadView.as_view(), name="api-web-leads"),
]

ui_urlpatterns = [
    path("opportunities/board/", views.board, name="sales-board"),
    path("sales/customers/lookup/", views.customer_lookup, name="sales-customer-lookup"),
    path("sales/opportunities/<uuid:pk>/stage/", views.set_stage, name="sales-set-stage"),
    path("sales/opportunities/<uuid:pk>/criteria/", views.toggle_criterion, name="sales-criterion"),
    path("sales/reports/", views.reports_home, name="sales-reports"),
    path("sales/reports/<slug:code>/", views.report, name="sales-report"),
]
