from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
def home(request):
    return render(request, "core/home.html")


@require_GET
def health(request):
    """Liveness and database readiness for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # the operator needs a 503, not a traceback page
        return JsonResponse({"status": "database unavailable"}, status=503)
