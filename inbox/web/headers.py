"""Security headers on every response: the pages load only our own scripts and styles, no other
site may frame them, and nothing but our static files is kept by a browser or proxy cache."""
from __future__ import annotations

from flask import Flask, Response, current_app, request

# No 'unsafe-inline' anywhere: templates carry no inline script, event handler or style attribute
# (tests/security/test_headers.py and the browser tests check that the pages still work under it).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(response: Response) -> Response:
    """Set what a view has not set itself (the survey page keeps its stricter no-referrer)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    # pages and API answers show customers' words and a CSRF token: no cache (shared or the browser's
    # back button on a shared computer) keeps them; a view may say more ("no-store, no-transform")
    if request.endpoint != "static" and "no-store" not in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
