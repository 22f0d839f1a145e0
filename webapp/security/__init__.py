"""The web layer's defences, installed by `create_app`: proxy headers, security headers, login throttling.

What each one defends is listed in the README's *Security* section.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .headers import install_security_headers
from .throttle import install_throttling


def install_security(app: Flask) -> None:
    """Wire every defence into the app."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        # Behind N reverse proxies, trust their X-Forwarded-For/-Proto/-Host: the client's real
        # address (throttling, audit) and whether it used HTTPS (Secure cookies, HSTS, links).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    install_security_headers(app)
    install_throttling(app)
