"""`flask --app app import FILE.jsonl`: back-fill the store's customers, products and orders.

One JSON object a line, `{"type": "customer"|"product"|"order", "external_id": ..., ...}`
with the rest of the line the body the API's PUT takes. Each line goes through the
same schema and upsert as the API (`models.connector`), so a rerun changes
nothing. Lines are written in batches, one transaction per batch (a few hundred
lines); a bad line is rolled back alone (its upsert is a savepoint) and reported
with its number, and the rest go on.
"""

import json
from collections import Counter
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from . import connector
from .db import db, write_transaction
from .errors import DomainError

BATCH_SIZE = 500
KINDS = {
    "customer": (connector.CustomerIn(), connector.upsert_customer),
    "product": (connector.ProductIn(), connector.upsert_product),
    "order": (connector.OrderIn(), connector.upsert_order),
}


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)  # (line number, reason)

    def line(self):
        c = self.counts
        return (
            f"created {c[connector.CREATED]}, updated {c[connector.UPDATED]}, "
            f"unchanged {c[connector.UNCHANGED]}, failed {len(self.failures)}"
        )


class LineError(Exception):
    pass


def _parse(text):
    """(upsert function, external_id, loaded body) of one line, or LineError with the reason."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise LineError(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise LineError("not a JSON object")
    kind = obj.pop("type", None)
    if kind not in KINDS:
        raise LineError('"type" must be "customer", "product" or "order"')
    external_id = obj.pop("external_id", None)
    if not isinstance(external_id, str) or not 1 <= len(external_id) <= 100:
        raise LineError('"external_id" must be a string of 1 to 100 characters')
    schema, upsert = KINDS[kind]
    try:
        body = schema.load(obj)
    except ValidationError as exc:
        raise LineError(_fields(connector.validation_fields(exc))) from None
    return upsert, external_id, body


def _fields(errors):
    return "; ".join(f"{name}: {message}" for name, message in errors.items())


def import_lines(lines, summary=None, batch_size=BATCH_SIZE, progress=None):
    """Import (number, text) pairs; return the Summary."""
    summary = summary or Summary()
    batch = []
    for number, text in lines:
        if text.strip():
            batch.append((number, text))
        if len(batch) >= batch_size:
            _import_batch(batch, summary, progress)
            batch = []
    if batch:
        _import_batch(batch, summary, progress)
    return summary


def _import_batch(batch, summary, progress):
    with write_transaction():
        for number, text in batch:
            try:
                upsert, external_id, body = _parse(text)
                _row, result = upsert(external_id, body)
            except LineError as exc:
                summary.failures.append((number, str(exc)))
            except DomainError as exc:
                reason = f"{exc.field}: {exc.message}" if exc.field else exc.message
                summary.failures.append((number, reason))
            else:
                summary.counts[result] += 1
    if progress is not None:
        progress(len(batch))


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch-size", type=click.IntRange(min=1, max=10000), default=BATCH_SIZE, help="Lines per transaction.")
@with_appcontext
def import_command(file, batch_size):
    """Back-fill customers, products and orders from FILE.jsonl (one object a line; safe to run again)."""
    db.database.connect(reuse_if_open=True)
    with open(file, "rb") as fh:
        total = sum(1 for line in fh if line.strip())
    summary = Summary()
    bar = click.progressbar(length=total, label="Importing")
    with open(file, encoding="utf-8", errors="replace") as fh, bar:
        import_lines(((n, text) for n, text in enumerate(fh, start=1)), summary, batch_size, progress=bar.update)
    for number, reason in summary.failures:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(summary.line())
    if summary.failures:
        raise SystemExit(1)
