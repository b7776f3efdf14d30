"""Login by email or login name, and Flask-Security's mail through our queue."""

from flask import request
from flask_security import LoginForm, MailUtil

from models.notifications import queue_mail


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
    """Send Flask-Security's mails (welcome, password change) through the outgoing queue."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs):
        to = recipient if isinstance(recipient, str) else recipient[1]
        queue_mail(to, str(subject), body or "", html)
