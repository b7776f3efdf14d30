"""Where the time goes: queries per page, their plans, and a pyinstrument profile of each page.

    .venv/bin/python bench/profile.py [--listings 100000] [--pg] [--requests 30] [--no-profile]

Loads (once, kept in bench/out/profile-*) a database with `demo-data --listings N`,
then, in-process through Flask's test client, for each page of issue 6 (plus the
owner's list): the number of SQL queries of one request, the plan of each
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL), the mean time of a request,
and a pyinstrument profile (bench/out/profile-*/<page>.txt; needs `pip install
pyinstrument` in the venv, not part of the requirements). Report: stdout and
bench/out/profile-*/report.md.
"""

import argparse
import logging
import os
import re
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

import run as harness  # noqa: E402


class QueryLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries = []

    def emit(self, record):
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            self.queries.append(record.msg)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL database flea_bench_profile")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="reload the database")
    opts = parser.parse_args()

    kind = "pg" if opts.pg else "sqlite"
    folder = os.path.join(harness.OUT, f"profile-{kind}-{opts.listings}")
    if opts.pg:
        url = "postgresql://postgres@127.0.0.1:5432/flea_bench_profile"
    else:
        url = f"sqlite:///{os.path.join(folder, 'flea.db')}"
    marker = os.path.join(folder, "info.json")
    import json

    if opts.fresh or not os.path.exists(marker):
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        if opts.pg:
            import psycopg2

            conn = psycopg2.connect(harness.PG_ADMIN)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("DROP DATABASE IF EXISTS flea_bench_profile WITH (FORCE)")
                cur.execute("CREATE DATABASE flea_bench_profile")
            conn.close()
        info, _env = harness.load_database(url, folder, opts.listings)
        with open(marker, "w") as fh:
            json.dump(info, fh)
    with open(marker) as fh:
        info = json.load(fh)

    env = harness.app_env(url, folder)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "UPLOAD_DIR", "INSTANCE_PATH", "SECRET_KEY")})
    sys.path.insert(0, harness.ROOT)
    os.chdir(harness.ROOT)
    from app import create_app
    from models import db

    app = create_app()
    real = db.database.obj if hasattr(db.database, "obj") else db.database

    def login(client, who, password):
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"email": who, "password": password, "csrf_token": harness.csrf_from(page)})

    anon = app.test_client()
    admin = app.test_client()
    login(admin, "admin@example.com", "admin12345")
    seller = app.test_client()
    login(seller, "seller0001", "seller12345")
    word = info["search_word"]
    ids = info["item_ids"]
    deep = max(2, round(2000 * opts.listings / 100_000))
    pages = [
        ("showcase", anon, "/pristroy/"),
        ("deep", anon, f"/pristroy/?page={deep}"),
        ("search", anon, f"/pristroy/?q={word}"),
        ("item", anon, None),
        ("home", anon, "/"),
        ("admin", admin, "/admin/pristroy/"),
        ("admin-page50", admin, "/admin/pristroy/?page=50"),
        ("owner", seller, "/account/pristroy/"),
    ]
    peewee_log = logging.getLogger("peewee")
    peewee_log.setLevel(logging.DEBUG)
    handler = QueryLog()
    peewee_log.propagate = False

    lines = [f"# Profile: {kind}, {opts.listings:,} listings", ""]
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    for n, (key, client, path) in enumerate(pages):
        p = path or f"/pristroy/{ids[n]}"
        handler.queries.clear()
        peewee_log.addHandler(handler)
        resp = client.get(p)
        peewee_log.removeHandler(handler)
        queries = list(handler.queries)
        lines.append(f"## {key}: GET {p} → {resp.status_code}, {len(queries)} queries")
        with app.app_context():
            real.connect(reuse_if_open=True)
            for sql, params in queries:
                lines.append("")
                lines.append("    " + re.sub(r"\s+", " ", sql)[:600])
                explain = "EXPLAIN " if opts.pg else "EXPLAIN QUERY PLAN "
                try:
                    rows = real.execute_sql(explain + sql, params).fetchall()
                    for row in rows:
                        lines.append("      → " + (row[-1] if not opts.pg else row[0]))
                except Exception as exc:  # noqa: BLE001 - report, do not stop
                    lines.append(f"      (no plan: {exc})")
                    real.rollback() if opts.pg else None
            real.close()
        # Timing, then profile.
        started = time.perf_counter()
        for i in range(opts.requests):
            client.get(path or f"/pristroy/{ids[i % len(ids)]}")
        mean = (time.perf_counter() - started) / opts.requests * 1000
        lines.append(f"\n  mean in-process request time: {mean:.1f} ms")
        if Profiler and not opts.no_profile:
            prof = Profiler(interval=0.0005)
            prof.start()
            for i in range(opts.requests):
                client.get(path or f"/pristroy/{ids[i % len(ids)]}")
            prof.stop()
            with open(os.path.join(folder, f"{key}.txt"), "w") as fh:
                fh.write(prof.output_text(unicode=True, color=False, show_all=False))
            with open(os.path.join(folder, f"{key}.html"), "w") as fh:
                fh.write(prof.output_html())
        lines.append("")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(folder, "report.md"), "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
