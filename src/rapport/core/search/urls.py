"""Search endpoints: ``/api/v1/search/`` and the search page ``/search/``."""

from django.urls import path

from rapport.core.search.api import SearchView
from rapport.core.search.views import search_page

api_urlpatterns: list = [path("search/", SearchView.as_view(), name="api-search")]
ui_urlpatterns: list = [path("search/", search_page, name="search")]
