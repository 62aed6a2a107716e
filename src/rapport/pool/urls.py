"""URLs of customer pool and merge (included by the project's urls.py).

The pool actions need no route of their own: ``POST /api/v1/<accounts|leads>/<id>/<claim|release|abandon>/``
is the generic action route.
"""

from django.urls import path

from rapport.pool import views

api_urlpatterns: list = []

ui_urlpatterns: list = [
    path("pool/", views.pool_list, name="pool-list"),
    path("pool/claim/", views.pool_claim, name="pool-claim"),
    path("pool/targets/", views.targets_report, name="pool-targets"),
    path("settings/pool/", views.pool_settings, name="pool-settings"),
]
