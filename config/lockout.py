"""django-axes hooks: the page shown to a locked-out login and the client address."""

import ipaddress

from django.conf import settings
from django.shortcuts import render


def locked_out(request, credentials, *args, **kwargs):
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


def client_ip(request) -> str | None:
    """The client's address for django-axes (AXES_CLIENT_IP_CALLABLE): as the
    throttles see it, or None when it is not an address (no REMOTE_ADDR in a
    test request, a forged X-Forwarded-For): axes stores it in an inet column."""
    from config.throttle import client_ip as throttle_ip

    address = throttle_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
