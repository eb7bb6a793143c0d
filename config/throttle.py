"""Fixed one-minute windows counted in the shared cache (Redis), and the client's
address behind a known number of reverse proxies (settings.TRUSTED_PROXY_COUNT)."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def client_ip(request) -> str:
    """The address that connected to the first trusted proxy, or REMOTE_ADDR.

    With N trusted proxies in front, the client is the N-th address from the
    right of X-Forwarded-For (addresses further left are the client's own say).
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(scope: str, who, limit: int) -> bool:
    """Count one hit of `who` in `scope` this minute; True once past `limit`."""
    key = f"throttle:{scope}:{who}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=70)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=70)
        count = 1
    return count > limit
