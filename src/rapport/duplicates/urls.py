"""URLs of duplicate detection (included by the project's urls.py)."""

api_urlpatterns: list = []

ui_urlpatterns: list = []
