"""Open311 GeoReport v2, included at /open311/v2/; the format is the path's extension."""

from django.urls import re_path

from wijkregie.reports.open311 import views as open311

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,200})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.request_create, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]{1,200})" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,200})" + FMT, open311.token_lookup, name="token"),
    # mySociety's extension (what FixMyStreet polls for progress).
    re_path(r"^servicerequestupdates" + FMT, open311.request_updates, name="updates"),
    # Anything else is a 404 in the specification's error format, never an HTML page.
    re_path(r"^(?P<path>.*)$", open311.not_found_view, name="not_found"),
]
