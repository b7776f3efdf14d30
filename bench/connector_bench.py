"""Upsert throughput of the store connector: `flask --app app import` and `PUT /api/v1/orders/…`.

    python bench/connector_bench.py                 # 100,000 orders through import, 2,000 through the API
    python bench/connector_bench.py --orders 10000  # a quicker run

Everything goes to bench/out/connector/ (a fresh SQLite database, the JSONL file);
the figures are printed and written to bench/CONNECTOR.md unless --no-results.
The import is timed as a user runs it (a subprocess, progress bar and all), then
timed again on the same file (the rerun: every line unchanged). The API figure is
orders PUT one after another through the app in-process (the WSGI test client,
no HTTP server), so it measures the app's own cost per request.
"""

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out", "connector")


def write_file(path, orders, customers, products, seed=1):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for c in range(customers):
            row = {"type": "customer", "external_id": f"c{c}", "email": f"c{c}@shop.example", "login": f"cust{c}"}
            fh.write(json.dumps(row) + "\n")
        for p in range(products):
            row = {
                "type": "product",
                "external_id": f"p{p}",
                "name": f"Product {p}",
                "price": f"{rng.randint(100, 9999)}.00",
            }
            fh.write(json.dumps(row) + "\n")
        for o in range(orders):
            fh.write(json.dumps({"type": "order", "external_id": f"o{o}", **order(o, rng, customers, products)}) + "\n")


def order(o, rng, customers, products):
    lines = [
        {
            "external_id": f"o{o}-l{n}",
            "product": f"p{rng.randrange(products)}",
            "quantity": rng.randint(1, 3),
            "price": f"{rng.randint(100, 9999)}.00",
        }
        for n in range(rng.randint(1, 3))
    ]
    status = rng.choice(["completed", "completed", "completed", "shipped", "cancelled"])
    return {
        "customer": f"c{rng.randrange(customers)}",
        "number": f"N{o}",
        "status": status,
        "placed_at": "2026-10-01T10:00:00Z",
        "completed_at": "2026-10-05T10:00:00Z" if status == "completed" else None,
        "lines": lines,
    }


def run_import(env, path):
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "import", path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    return elapsed, done.returncode, summary


def api_throughput(env, count, customers, products):
    os.environ.update(env)
    sys.path.insert(0, ROOT)
    from app import create_app
    from models.api_keys import create_key

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        key = create_key(f"bench-{time.time()}")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(2)
    started = time.monotonic()
    for o in range(count):
        response = client.put(
            f"/api/v1/orders/api{o}", json=order(10**7 + o, rng, customers, products), headers=headers
        )
        assert response.status_code == 201, response.get_json()
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--api-orders", type=int, default=2_000)
    parser.add_argument("--no-results", action="store_true")
    args = parser.parse_args()
    customers, products = max(1, args.orders // 10), max(1, args.orders // 50)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    path = os.path.join(OUT, "backfill.jsonl")
    write_file(path, args.orders, customers, products)
    env = {
        **os.environ,
        "INSTANCE_PATH": os.path.join(OUT, "instance"),
        "DATABASE_URL": f"sqlite:///{os.path.join(OUT, 'bench.db')}",
        "UPLOAD_DIR": os.path.join(OUT, "uploads"),
        "SECRET_KEY": "bench",
    }
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True)
    lines = customers + products + args.orders
    first = run_import(env, path)
    rerun = run_import(env, path)
    api_seconds = api_throughput(env, args.api_orders, customers, products)
    report = "\n".join(
        [
            "# Store connector: upsert throughput",
            "",
            f"Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `python bench/connector_bench.py"
            f" --orders {args.orders}`, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite (WAL).",
            "",
            "| what | rows | seconds | rows/s | result |",
            "|---|---:|---:|---:|---|",
            f"| `import`, first run ({customers:,} customers, {products:,} products, {args.orders:,} orders"
            f" of 1–3 lines) | {lines:,} | {first[0]:.1f} | {lines / first[0]:,.0f} | exit {first[1]}: {first[2]} |",
            f"| `import` again, same file | {lines:,} | {rerun[0]:.1f} | {lines / rerun[0]:,.0f} |"
            f" exit {rerun[1]}: {rerun[2]} |",
            f"| `PUT /api/v1/orders/…` one after another, in-process | {args.api_orders:,} | {api_seconds:.1f} |"
            f" {args.api_orders / api_seconds:,.0f} | all 201 |",
            "",
            "Target (issue 13): 100,000 orders through `import` in under 3 minutes on SQLite.",
            "",
        ]
    )
    print(report)
    if not args.no_results:
        with open(os.path.join(ROOT, "bench", "CONNECTOR.md"), "w", encoding="utf-8") as fh:
            fh.write(report)


if __name__ == "__main__":
    main()
