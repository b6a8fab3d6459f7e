from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from drf_spectacular.views import SpectacularAPIView

from wijkregie.core import views as core_views
from wijkregie.core.api import ApiNotFound

urlpatterns = [
    path("health/", core_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", core_views.api_docs, name="api-docs"),
    path("api/v1/partners/", include("wijkregie.partners.api_urls")),
    path("api/v1/places/", include("wijkregie.places.api_urls")),
    path("api/v1/residents/", include("wijkregie.residents.api_urls")),
    path("api/v1/reports/", include("wijkregie.reports.api_urls")),
    path("api/v1/cases/", include("wijkregie.cases.api_urls")),
    path("api/v1/communications/", include("wijkregie.communications.api_urls")),
    path("api/v1/outreach/", include("wijkregie.outreach.api_urls")),
    path("api/v1/chat/", include("wijkregie.chat.api_urls")),
    # Any other path under /api/: a 404 problem (application/problem+json), not the page.
    re_path(r"^api/", ApiNotFound.as_view(), name="api-not-found"),
    path("partners/", include("wijkregie.partners.urls")),
    path("places/", include("wijkregie.places.urls")),
    path("residents/", include("wijkregie.residents.urls")),
    path("reports/", include("wijkregie.reports.urls")),
    path("cases/", include("wijkregie.cases.urls")),
    path("communications/", include("wijkregie.communications.urls")),
    path("outreach/", include("wijkregie.outreach.urls")),
    path("chat/", include("wijkregie.chat.urls")),
    path("buurtchat/", include("wijkregie.chat.resident_urls")),
    # Residents (no account) and reporting apps: reports/public_urls.py, open311_urls.py.
    path("melden/", include("wijkregie.reports.public_urls")),
    path("nieuwsbrief/", include("wijkregie.communications.public_urls")),
    path("bewonersavond/", include("wijkregie.outreach.public_urls")),
    path("open311/v2/", include("wijkregie.reports.open311_urls")),
    path("", include("wijkregie.core.urls")),
]

# No /media/ in any mode, the demo included: uploads (photos with reports) are personal
# data, served only by views that check access (reports:photo).

# Django's 403 and 404 handlers render our 403.html and 404.html; these two never fail.
handler400 = "wijkregie.core.views.bad_request"
handler500 = "wijkregie.core.views.server_error"
