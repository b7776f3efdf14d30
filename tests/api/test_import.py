"""`flask --app app import FILE.jsonl`: the same rules as the API, a summary, bad lines reported, safe to rerun."""

import json

from models import Order, OrderLine, Product, User
from tests.api.conftest import customer_body, line, order_body, product_body


def _write(tmp_path, rows, name="backfill.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return str(path)


def _import(app, path, *extra):
    return app.test_cli_runner().invoke(args=["import", path, *extra])


GOOD = [
    {"type": "customer", "external_id": "c1", **customer_body()},
    {"type": "product", "external_id": "p1", **product_body()},
    {"type": "order", "external_id": "o1", **order_body()},
    {"type": "order", "external_id": "o2", **order_body(number="S-2", status="paid", lines=[line("l2", quantity=1)])},
]


def test_good_file_then_rerun_changes_nothing(app, tmp_path):
    path = _write(tmp_path, GOOD)
    result = _import(app, path, "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "created 4, updated 0, unchanged 0, failed 0" in result.output
    assert (User.select().count(), Product.select().count(), Order.select().count(), OrderLine.select().count()) == (
        1,
        1,
        2,
        2,
    )
    stamps = [o.updated_at for o in Order.select().order_by(Order.id)]
    again = _import(app, path)
    assert again.exit_code == 0 and "created 0, updated 0, unchanged 4, failed 0" in again.output
    assert [o.updated_at for o in Order.select().order_by(Order.id)] == stamps
    changed = GOOD[:3] + [{**GOOD[3], "status": "completed"}]
    third = _import(app, _write(tmp_path, changed, "changed.jsonl"))
    assert "created 0, updated 1, unchanged 3, failed 0" in third.output
    assert Order.get(Order.external_id == "o2").status == "completed"


def test_bad_lines_are_reported_by_number_and_the_rest_go_in(app, tmp_path):
    rows = [
        GOOD[0],
        "{not json",
        {"type": "wizard", "external_id": "w"},
        {"type": "product", "external_id": "p1", "name": "", "price": "-1"},
        GOOD[1],
        {"type": "order", "external_id": "o9", **order_body(customer="ghost")},
        "",
        GOOD[2],
        [1, 2],
        {"type": "customer", **customer_body(2)},
    ]
    result = _import(app, _write(tmp_path, rows))
    assert result.exit_code == 1
    out = result.output
    assert "created 3, updated 0, unchanged 0, failed 6" in out
    assert "line 2: not JSON" in out
    assert 'line 3: "type" must be' in out
    assert "line 4: " in out and "name:" in out and "price:" in out
    assert "line 6: customer: There is no customer with this external_id." in out
    assert "line 9: not a JSON object" in out
    assert 'line 10: "external_id" must be' in out
    assert Order.select().count() == 1 and not Order.select().where(Order.external_id == "o9").exists()
    assert "line 7" not in out  # an empty line is skipped, not a failure


def test_a_failing_order_leaves_nothing_of_itself(app, tmp_path):
    rows = GOOD[:3] + [
        {"type": "order", "external_id": "o3", **order_body(number="S-3", lines=[line("l3"), line("l4", product="x")])}
    ]
    result = _import(app, _write(tmp_path, rows))
    assert result.exit_code == 1 and "line 4: lines.1.product:" in result.output
    assert not OrderLine.select().where(OrderLine.external_id == "l3").exists()


def test_missing_file_is_a_clear_error(app, tmp_path):
    result = _import(app, str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.output
