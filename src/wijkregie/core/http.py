"""The client's address: the one reading that the logs and every rate limit share.

Behind N trusted proxies (`WIJKREGIE_TRUSTED_PROXY_COUNT`) the client is the N-th address
from the right of X-Forwarded-For: each proxy appends the address it received the request
from, so those N are trustworthy and whatever stands left of them the client may have
forged. Without proxies it is REMOTE_ADDR. A header with fewer entries than proxies (the
request did not pass them all) falls back on REMOTE_ADDR. What is not an IP address
becomes "unknown", so a forged value never lands in a log line or a cache key.
The login limits (allauth) ask `core.auth.AccountAdapter.get_client_ip`, which is this.
"""

import ipaddress

from django.conf import settings

UNKNOWN = "unknown"


def client_ip(request) -> str:
    proxies = settings.WIJKREGIE_TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return UNKNOWN
