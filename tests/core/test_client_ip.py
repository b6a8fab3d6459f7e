import pytest
from allauth.account.adapter import get_adapter

from wijkregie.core.http import client_ip

from .test_one_way import _files_matching

CASES = [
    # proxies, X-Forwarded-For, REMOTE_ADDR, the client
    (0, "", "192.0.2.7", "192.0.2.7"),
    (0, "203.0.113.5", "192.0.2.7", "192.0.2.7"),  # no proxy: the header is the client's
    (1, "10.0.0.9, 203.0.113.5", "10.1.1.1", "203.0.113.5"),
    (1, "10.0.0.9,203.0.113.5 ", "10.1.1.1", "203.0.113.5"),
    (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "10.1.1.1", "203.0.113.5"),  # 6.6.6.6 is forged
    (2, "203.0.113.5", "10.1.1.1", "10.1.1.1"),  # fewer entries than proxies
    (1, "", "10.1.1.1", "10.1.1.1"),
    (1, "not-an-address", "10.1.1.1", "unknown"),
    (0, "", "", "unknown"),
    (1, "2001:db8::1", "10.1.1.1", "2001:db8::1"),
]


@pytest.mark.parametrize(("proxies", "forwarded", "remote", "expected"), CASES)
def test_the_client_address(rf, settings, proxies, forwarded, remote, expected):
    settings.WIJKREGIE_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert client_ip(request) == expected


@pytest.mark.parametrize(("proxies", "forwarded", "remote", "expected"), CASES)
def test_login_limits_use_it(rf, settings, proxies, forwarded, remote, expected):
    settings.WIJKREGIE_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert get_adapter(request).get_client_ip(request) == expected


def test_only_core_http_reads_the_client_address_from_the_request():
    assert _files_matching(r"HTTP_X_FORWARDED_FOR|REMOTE_ADDR|x-forwarded-for") == ["core/http.py"]
    assert _files_matching(r"def client_ip\(") == ["core/http.py"]
    assert _files_matching(r"ALLAUTH_TRUSTED_PROXY_COUNT|ALLAUTH_TRUSTED_CLIENT_IP_HEADER") == []
