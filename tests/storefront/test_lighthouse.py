"""Issue 18, part 1: Lighthouse 12 (npm `lighthouse`, Debian's Chromium) on the storefront pages.

One `python app.py` (scratch SQLite database, demo data and 60 synthetic listings) serves every
run; the runs are sequential (mobile and desktop presets; about 20-25 s each on 2 cores).
Thresholds: Accessibility, Best Practices and SEO 100 everywhere (the noindex pages may lose
only `is-crawlable`), Performance >= 95 on mobile for public pages and >= ADMIN_MOBILE_PERFORMANCE for the admin list.
Without node, lighthouse (`npm ci`) or Chromium the module is skipped; E2E_REQUIRED=1 fails it.
"""

import os

import pytest

from tests.storefront import scores

PRESETS = ("mobile", "desktop")
# The 90. Flask-Admin's stack measured 83-89 while Font Awesome's stylesheet held up the
# first paint; with it after the list (templates/admin/base.html) three runs gave 99, 100, 92.
ADMIN_MOBILE_PERFORMANCE = 90


@pytest.fixture(scope="module")
def results():
    problem = scores.missing_tools()
    if problem:
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"{problem}; E2E_REQUIRED=1 makes this a failure", pytrace=False)
        pytest.skip(f"{problem}; the Lighthouse check needs it (see README, 'Tests')")
    return scores.run_all(PRESETS)


def problems(name, preset, found):
    """Human-readable reasons why one run misses the thresholds (empty when it passes)."""
    values, failing = found
    _path, who, public = scores.PAGES[name]
    noindex = name == "search" or who is not None
    wanted = {"accessibility": 100, "best-practices": 100, "seo": 100}
    if preset == "mobile":
        wanted["performance"] = 95 if public else ADMIN_MOBILE_PERFORMANCE if name == "admin-list" else 0
    reasons = []
    for category, minimum in wanted.items():
        audits = [a for a in failing if a[0] == category]
        if category == "seo" and noindex:
            audits = [a for a in audits if a[1] not in scores.NOINDEX_ALLOWED]
            if not audits:
                continue
        if values[category] < minimum:
            listed = "; ".join(f"{audit} '{title}' {score:.2f}" for _c, audit, title, score in audits)
            reasons.append(f"{category} {values[category]} < {minimum}: {listed}")
    return reasons


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("name", list(scores.PAGES))
def test_lighthouse_scores(results, name, preset):
    reasons = problems(name, preset, results[(name, preset)])
    assert not reasons, f"{name} ({preset}):\n  " + "\n  ".join(reasons)
