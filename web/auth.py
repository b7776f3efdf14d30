"""Login by email or login name, and Flask-Security's mail through our queue."""

from flask import request
from flask_security import LoginForm, MailUtil

from models.outbox import queue_mail


class IdentityLoginForm(LoginForm):
    """One identity field (named `email`, as Flask-Security's) that takes an email or a login.

    Anything without an "@" is looked up as a login name through Flask-Security's
    own username path, so its normalisation and checks still apply.
    """

    def validate(self, **kwargs):
        identity = (self.email.data or request.form.get("identity") or request.form.get("username") or "").strip()
        if identity and "@" not in identity:
            self.username.data = identity
            self.email.data = ""
            self.email.raw_data = [""]
        else:
            self.email.data = identity
            self.username.data = ""
        return super().validate(**kwargs)

    @property
    def identity_errors(self):
        return list(self.email.errors or []) + list(self.username.errors or [])


class QueueMailUtil(MailUtil):
    """Send Flask-Security's mails (welcome, password changed, reset instructions and notice) through
    the outgoing queue, so no request waits for, or fails on, a mail server.

    Flask-Security 5.9 takes this class in its constructor only (`web/extensions.py`).
    """

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs):
        to = recipient if isinstance(recipient, str) else recipient[1]
        queue_mail(to, str(subject), body or "", html)


def _identity_key():
    """Login attempts are counted per account *and* address: an attacker elsewhere
    can't use up the real owner's attempts."""
    from flask_limiter.util import get_remote_address

    identity = (request.form.get("email") or request.form.get("username") or "").strip().lower()
    return f"login:{identity}:{get_remote_address()}"


def init_app(app, limiter):
    """Rate-limit login attempts and end the session on the server at logout."""
    from flask import abort
    from flask_limiter.util import get_remote_address
    from flask_login import user_logged_out
    from limits import parse

    @app.before_request
    def limit_login_attempts():
        # Checked here rather than with @limiter.limit: Flask-Security's login view is one
        # function shared by every app in the process, and decorating it per app would
        # stack the limits.
        if request.endpoint != "security.login" or request.method != "POST" or not limiter.enabled:
            return None
        checks = (
            (app.config["LOGIN_LIMIT_PER_ACCOUNT"], _identity_key()),
            (app.config["LOGIN_LIMIT_PER_ADDRESS"], f"login-ip:{get_remote_address()}"),
        )
        for limit, key in checks:
            if not limiter.limiter.hit(parse(limit), key):
                abort(429)
        return None

    def end_all_sessions(sender, user, **extra):
        # Sessions are signed cookies; changing the user's uniquifier makes every copy
        # of the old cookie (and any remember-me token) worthless.
        if user is not None and getattr(user, "is_authenticated", False):
            from .extensions import security

            security.datastore.set_uniquifier(user)
            security.datastore.put(user)

    user_logged_out.connect(end_all_sessions, app, weak=False)
