"""The framework's floor, in-process: Flask's hello world against the app's anonymous 404
through the layout and a cached public page (issue 17: the 404 at most 3x hello world).

    DATABASE_URL=... UPLOAD_DIR=... INSTANCE_PATH=... .venv/bin/python bench/floor.py [--requests 2000]

Runs against the database the environment names (filled by `flask --app app demo-data`),
through each app's test client, alternating the pages request by request (so drift in the
machine's load hits them alike), and prints the median time of each and its ratio to
hello world.
"""

import os
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
# bench/profile.py would shadow the standard library's `profile`.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != BENCH]
# FLOOR_APP: the app's sources to import (bench/run passes its frozen copy).
sys.path.insert(0, os.environ.get("FLOOR_APP") or os.path.dirname(BENCH))

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="also print {page: p50 ms} as a last JSON line")
    opts = parser.parse_args()

    from flask import Flask

    from app import create_app
    from models import Listing, ListingStatus

    app = create_app()
    logging.disable(logging.CRITICAL)  # the request log would time the terminal
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, World!")
    with app.app_context():
        listing = Listing.select(Listing.id).where(Listing.status == ListingStatus.APPROVED).first()
    pages = [("hello world (Flask)", hello.test_client(), "/")]
    client = app.test_client()
    pages.append(("anonymous 404 through the layout", client, "/no/such/page"))
    if listing:
        pages.append(("item page, cached", client, f"/pristroy/{listing.id}"))
    pages.append(("showcase, cached", client, "/pristroy/"))
    times = {name: [] for name, _c, _p in pages}
    for _ in range(50):  # warm: the copies, the catalogs, the template cache
        for _name, c, path in pages:
            c.get(path)
    for _ in range(opts.requests):
        for name, c, path in pages:
            started = time.perf_counter()
            c.get(path)
            times[name].append(time.perf_counter() - started)
    floor = statistics.median(times[pages[0][0]])
    print(f"{'page':<36} {'p50 ms':>8} {'x hello':>8}")
    for name, _c, _p in pages:
        p50 = statistics.median(times[name])
        print(f"{name:<36} {p50 * 1000:8.3f} {p50 / floor:8.2f}")
    if opts.json:
        import json

        print(json.dumps({name: statistics.median(times[name]) * 1000 for name, _c, _p in pages}))


if __name__ == "__main__":
    main()
