"""What every admin page shares: access for the `admin` role only, and the app's CSRF."""

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView
from flask_admin.contrib.peewee import ModelView
from flask_security import current_user
from flask_wtf import FlaskForm


class AdminAccessMixin:
    """Anonymous visitors go to the login page; logged-in non-admins get 403."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.has_role("admin")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("security.login", next=request.full_path))
        abort(403)


class SecureIndexView(AdminAccessMixin, AdminIndexView):
    pass


class SecureModelView(AdminAccessMixin, ModelView):
    # One CSRF mechanism for the whole app: Flask-WTF's CSRFProtect, whose token
    # FlaskForm renders in every admin form, action form included.
    form_base_class = FlaskForm
