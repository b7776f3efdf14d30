"""Security headers on every response, and the nonce Flask-Admin's few inline scripts carry.

Our own templates have no inline script at all; the policy allows scripts from
this site only, plus the per-request nonce for Flask-Admin's library templates.
"""

import secrets

from flask import g


def csp_nonce():
    """A random nonce for this request, created on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce=None):
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            # Style attributes are harmless compared with scripts, and Flask-Admin's widgets set some.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce")))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def secure_cookies_wanted(app):
    """Secure cookies everywhere but development: plain http on this machine or tests."""
    url = app.config["PUBLIC_URL"]
    local = url.startswith(("http://127.", "http://localhost", "http://[::1]"))
    return not (app.debug or app.testing or local)


def init_app(app):
    # COOKIE_SECURE (env or config) forces it either way; otherwise it follows PUBLIC_URL.
    secure = app.config["COOKIE_SECURE"]
    if secure is None:
        secure = secure_cookies_wanted(app)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_security_headers)
