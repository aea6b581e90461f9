"""Who is at the other end: the client's address, one rule for throttling, lockout and logs."""

from __future__ import annotations

from rest_framework.settings import api_settings


def client_address(request) -> str:
    """The client's address as DRF's throttles see it (settings: API_NUM_PROXIES).

    With no trusted proxy (the default) it is the connection's address, so a forged
    X-Forwarded-For changes nothing; with N proxies, the address the Nth proxy from the end saw.
    """
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR") or ""
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    proxies = api_settings.NUM_PROXIES
    if proxies is None:
        return "".join(forwarded.split()) if forwarded else remote
    if proxies == 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    return hops[-min(proxies, len(hops))].strip()
