"""The product's URLs plus the bare reference endpoint (benchmark only)."""

from django.urls import include, path

from bench.bareapp.views import BareReportCreate

urlpatterns = [
    path("bench/bare/reports.json", BareReportCreate.as_view(), name="bench-bare-report"),
    path("", include("wijkregie.urls")),
]
