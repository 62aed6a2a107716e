"""Health (the process answers) and readiness (the database answers) for load balancers."""

from django.db import connection
from django.http import JsonResponse


def live(request):
    return JsonResponse({"status": "ok"})


def ready(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "detail": type(error).__name__}, status=503)
    return JsonResponse({"status": "ok"})
