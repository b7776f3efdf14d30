"""The admin list against the showcase, in-process (issue 15's target: admin p50 ≤ 3× showcase p50).

    DATABASE_URL=... UPLOAD_DIR=... INSTANCE_PATH=... SECRET_KEY=... \
        .venv/bin/python bench/admin_speed.py [--requests 30] [--profile N]

Runs against the database the environment names (filled by `flask --app app demo-data`),
through Flask's test client: logs in as the demo admin with the login form, warms both
pages, then alternates GET /admin/pristroy/ and GET /pristroy/ (so drift in machine load
hits both alike) and prints the median time of each and their ratio. `--profile N` adds
a cProfile of N admin requests (top functions by cumulative and own time).
"""

import os
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
# bench/profile.py would shadow the standard library's `profile`, which cProfile imports.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != BENCH]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, BENCH)
# FLOOR_APP: the app's sources to import (bench/run passes its frozen copy).
sys.path.insert(0, os.environ.get("FLOOR_APP") or os.path.dirname(BENCH))

import run as harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many admin requests")
    parser.add_argument("--top", type=int, default=40, help="lines of each profile table")
    parser.add_argument("--json", action="store_true", help="print the two medians as JSON last (for bench/run)")
    opts = parser.parse_args()

    from app import create_app

    app = create_app()
    admin = app.test_client()
    page = admin.get("/login").get_data(as_text=True)
    admin.post(
        "/login", data={"email": "admin@example.com", "password": "admin12345", "csrf_token": harness.csrf_from(page)}
    )
    anon = app.test_client()
    pages = {"admin": (admin, "/admin/pristroy/"), "showcase": (anon, "/pristroy/")}
    body = admin.get("/admin/pristroy/").get_data(as_text=True)
    if "Pristroy" not in body or "action_form" not in body:
        raise SystemExit("the admin page is not the Pristroy list (not logged in as admin?)")
    for client, path in pages.values():
        for _ in range(5):
            assert client.get(path).status_code == 200
    times = {key: [] for key in pages}
    for _ in range(opts.requests):
        for key, (client, path) in pages.items():
            started = time.perf_counter()
            client.get(path)
            times[key].append((time.perf_counter() - started) * 1000)
    admin_ms, showcase_ms = (statistics.median(times[k]) for k in ("admin", "showcase"))
    print(f"admin    /admin/pristroy/  p50 {admin_ms:6.1f} ms")
    print(f"showcase /pristroy/        p50 {showcase_ms:6.1f} ms")
    print(f"admin / showcase: {admin_ms / showcase_ms:.2f}×  (median of {opts.requests} each, alternated)")
    if opts.json:
        import json

        print(json.dumps({"admin": admin_ms, "showcase": showcase_ms}))
    if opts.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(opts.profile):
            admin.get("/admin/pristroy/")
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(opts.top)
        stats.sort_stats("tottime").print_stats(opts.top)


if __name__ == "__main__":
    main()
