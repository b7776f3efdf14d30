"""Fixtures of the moderation tests: an admin's browser and reports made through the domain."""

import pytest


@pytest.fixture
def admin_client(login_as, admin):
    return login_as(admin)


@pytest.fixture
def make_report(make_user):
    """A report of a public listing by a new (or given) user."""
    from models.reports import report_listing

    def _make(listing, reporter=None, reason="fraud", note=""):
        reporter = reporter or make_user()
        report, _reopened = report_listing(reporter, listing, reason, note)
        return report

    return _make
