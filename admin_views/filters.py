"""List filters that need no join of the related model, and read well.

Flask-Admin joins the related model again for a sort or a search, and a second
join of the same table fails; these filters use subqueries instead.
"""

import datetime as dt

from flask_admin.contrib.peewee.filters import BasePeeweeFilter, DateBetweenFilter, FilterEqual
from flask_admin.model import filters as base_filters
from flask_babel import lazy_gettext as _l

from .base import user_prefix_condition


class UserPrefixFilter(BasePeeweeFilter):
    """Rows whose user's login or email starts with the typed text.

    The column is the row's own user key, so Flask-Admin does not join User
    (it would join it again for a sort or a search and fail).
    """

    def apply(self, query, value):
        return query.where(user_prefix_condition(self.column, value))

    def validate(self, value):
        return bool((value or "").strip())

    def operation(self):
        return _l("starts with")


class ChoiceEqualFilter(FilterEqual):
    """Equality on a column with a fixed set of values (status, action)."""

    def validate(self, value):
        return value in {key for key, _label in self.options}


class CreatedBetweenFilter(DateBetweenFilter):
    """A date range on a timestamp column, both days included."""

    def apply(self, query, value):
        start, end = value
        start_at = dt.datetime.combine(start, dt.time.min)
        end_before = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
        return query.where((self.column >= start_at) & (self.column < end_before))


class IdEqualFilter(FilterEqual, base_filters.BaseIntFilter):
    """Equality on an integer key (e.g. the listing of a log entry), without a join."""
