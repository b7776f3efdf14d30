"""Login by email or login name, and Flask-Security's mail through our queue."""

import logging

from flask import request
from flask_security import LoginForm, MailUtil

from models.outbox import queue_mail

log = logging.getLogger("flea_market")


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


# Login attempts counted here while the limiter's storage (Redis) is unreachable.
_memory_limiter = None


def _limit_call(limiter, method, limit, key):
    """`limiter.limiter.test/hit`, counting in this process's memory if the storage fails.

    A Redis outage must not turn every login into a 500: the attempt is counted
    in memory (per worker) and a warning is logged.
    """
    global _memory_limiter
    try:
        return getattr(limiter.limiter, method)(limit, key)
    except Exception as exc:  # redis-py's errors, wrapped or not, whatever the storage
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        log.warning("Rate-limit storage unreachable (%s): counting login attempts in memory", exc)
        if _memory_limiter is None:
            _memory_limiter = MovingWindowRateLimiter(MemoryStorage())
        return getattr(_memory_limiter, method)(limit, key)


def init_app(app, limiter):
    """Rate-limit failed login attempts and end the session on the server at logout."""
    from flask import abort
    from flask_limiter.util import get_remote_address
    from flask_login import user_logged_out
    from limits import parse

    def checks():
        return (
            (parse(app.config["LOGIN_LIMIT_PER_ACCOUNT"]), _identity_key()),
            (parse(app.config["LOGIN_LIMIT_PER_ADDRESS"]), f"login-ip:{get_remote_address()}"),
        )

    def is_login_post():
        return request.endpoint == "security.login" and request.method == "POST" and limiter.enabled

    @app.before_request
    def limit_login_attempts():
        # Checked here rather than with @limiter.limit: Flask-Security's login view is one
        # function shared by every app in the process, and decorating it per app would
        # stack the limits. Only failures count (see count_failed_login): someone who
        # logs in and out all day is never refused.
        if not is_login_post():
            return None
        for limit, key in checks():
            if not _limit_call(limiter, "test", limit, key):
                abort(429)
        return None

    @app.after_request
    def count_failed_login(response):
        # A failed login re-renders the form (200) or answers 400 (JSON, an expired form);
        # a good one redirects. 429 was refused before counting.
        if is_login_post() and response.status_code in (200, 400):
            for limit, key in checks():
                _limit_call(limiter, "hit", limit, key)
        return response

    def end_all_sessions(sender, user, **extra):
        # Sessions are signed cookies; changing the user's uniquifier makes every copy
        # of the old cookie (and any remember-me token) worthless.
        if user is not None and getattr(user, "is_authenticated", False):
            from .extensions import security

            security.datastore.set_uniquifier(user)
            security.datastore.put(user)

    user_logged_out.connect(end_all_sessions, app, weak=False)
