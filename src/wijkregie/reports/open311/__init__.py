"""Open311 GeoReport v2 (BRIEF 30): reporting apps send and read reports in XML or JSON.

The specification: https://wiki.open311.org/GeoReport_v2 (discovery, services, service
definition, POST requests, tokens, GET requests), plus mySociety's
`servicerequestupdates` extension (what FixMyStreet polls for progress). Formats are
chosen by the path's extension; every error under /open311/v2/ — 400, 403, 404, 405,
409, 500, 503 — uses the specification's shape (`<errors><error><code/><description/>`
or `[{"code", "description"}]`), in English unless the client asks for Dutch.

The read side publishes nothing that could identify a reporter or the unit: no
description, no unit or floor, no contact data, the building's street, city and point
at most, status open/closed and the resident-facing status texts (docs/open311.md).

Modules: `parse` reads a request, `render` writes answers and errors, `views` holds the
methods (routed by reports/open311_urls.py); what is published comes from
`reports.selectors.open311_published_reports` and `open311_published_status_changes`."""
