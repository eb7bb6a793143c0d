"""The client address behind reverse proxies, and the one-minute windows."""

import pytest
from django.test import RequestFactory

from config import throttle


def request(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(request(forwarded="1.2.3.4")) == "10.0.0.1"


def test_behind_one_proxy_the_rightmost_forwarded_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client may send its own X-Forwarded-For; only the proxy's entry is trusted.
    assert throttle.client_ip(request(forwarded="6.6.6.6, 1.2.3.4")) == "1.2.3.4"
    settings.TRUSTED_PROXY_COUNT = 2
    assert throttle.client_ip(request(forwarded="6.6.6.6, 1.2.3.4, 10.0.0.5")) == "1.2.3.4"
    # A header shorter than the proxy chain: fall back to the connecting address.
    assert throttle.client_ip(request(forwarded="1.2.3.4")) == "10.0.0.1"


@pytest.mark.usefixtures("empty_cache")
def test_a_window_counts_each_caller_apart():
    assert not any(throttle.over_limit("t", "a", 3) for _ in range(3))
    assert throttle.over_limit("t", "a", 3)
    assert not throttle.over_limit("t", "b", 3)
