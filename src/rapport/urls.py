"""Root URLs: the API under /api/v1/, the docs at /api/docs/, the browser interface at /."""

from django.urls import include, path

from rapport.activities import urls as activities_urls
from rapport.core import health
from rapport.core.api.urls import docs_urlpatterns, entity_urlpatterns, schema_urlpatterns
from rapport.core.jobs import urls as jobs_urls
from rapport.core.search import urls as search_urls
from rapport.dataio import urls as dataio_urls
from rapport.duplicates import urls as duplicates_urls
from rapport.pool import urls as pool_urls
from rapport.sales import urls as sales_urls
from rapport.security import urls as security_urls
from rapport.security.api import MeView, TokenDetailView, TokenListView

api_patterns = [
    path("tokens/", TokenListView.as_view(), name="api-tokens"),
    path("tokens/<uuid:pk>/", TokenDetailView.as_view(), name="api-token-detail"),
    path("me/", MeView.as_view(), name="api-me"),
    *security_urls.api_urlpatterns,
    *search_urls.api_urlpatterns,
    *sales_urls.api_urlpatterns,
    *schema_urlpatterns,
    *activities_urls.api_urlpatterns(),
    *duplicates_urls.api_urlpatterns,
    *dataio_urls.api_urlpatterns,
    *pool_urls.api_urlpatterns,
    *entity_urlpatterns(),
]

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", include(api_patterns)),
    path("api/", include(docs_urlpatterns)),
    *search_urls.ui_urlpatterns,
    *jobs_urls.ui_urlpatterns,
    *sales_urls.ui_urlpatterns,
    *security_urls.ui_urlpatterns,
    *activities_urls.ui_urlpatterns,
    *duplicates_urls.ui_urlpatterns,
    *dataio_urls.ui_urlpatterns,
    *pool_urls.ui_urlpatterns,
    path("", include("rapport.core.views.urls")),
]

# Unknown API addresses answer problem+json like every other refusal (API.md "Errors").
handler404 = "rapport.core.api.errors.not_found"
