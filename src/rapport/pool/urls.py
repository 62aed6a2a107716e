"""URLs of customer pool and merge (included by the project's urls.py)."""

api_urlpatterns: list = []

ui_urlpatterns: list = []
