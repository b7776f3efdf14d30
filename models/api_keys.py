"""Keys of the store connector's API: shown once, stored only as a hash.

A key reads `fm_<lookup>_<secret>`. The lookup part finds the row; the SHA-256 of
the whole key is then compared in constant time, so neither the stored hashes nor
the time a wrong key takes tell anything about a valid one. A key is long and
random, so a fast hash is enough (a password hash is for guessable secrets).
"""

import hashlib
import hmac
import secrets

import click
from flask.cli import AppGroup
from peewee import CharField, DateTimeField

from .db import BaseModel, db
from .users import utcnow

PREFIX = "fm_"


class ApiKey(BaseModel):
    name = CharField(max_length=100, unique=True)
    lookup = CharField(max_length=32, unique=True)
    key_hash = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)


class ApiKeyError(click.ClickException):
    """A refused key command (the message is printed, exit status 1)."""


def _digest(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(name):
    """Make a key called `name`; return the key itself (it is not stored)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApiKeyError("A key needs a name of 1 to 100 characters.")
    lookup = secrets.token_hex(8)
    key = f"{PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    with db.database.atomic():
        if ApiKey.select().where(ApiKey.name == name).exists():
            raise ApiKeyError(f"A key called {name!r} already exists (revoked keys keep their name).")
        ApiKey.create(name=name, lookup=lookup, key_hash=_digest(key))
    return key


def authenticate(key):
    """The live ApiKey this key is, or None (wrong, malformed or revoked)."""
    if not isinstance(key, str) or not key.startswith(PREFIX):
        return None
    lookup, sep, _secret = key[len(PREFIX) :].partition("_")
    if not sep or len(lookup) != 16:
        return None
    row = ApiKey.get_or_none((ApiKey.lookup == lookup) & ApiKey.revoked_at.is_null())
    # Compared even without a row, so a miss costs what a hit does.
    stored = row.key_hash if row is not None else "0" * 64
    if hmac.compare_digest(stored, _digest(key)) and row is not None:
        return row
    return None


def revoke_key(name):
    changed = ApiKey.update(revoked_at=utcnow()).where((ApiKey.name == name) & ApiKey.revoked_at.is_null()).execute()
    if not changed:
        raise ApiKeyError(f"No live key called {name!r}.")


api_keys_cli = AppGroup("api-keys", help="Keys of the store connector's API (/api/v1/).")


@api_keys_cli.command("create")
@click.argument("name")
def create_command(name):
    """Make a key and print it once (only its hash is kept)."""
    db.database.connect(reuse_if_open=True)
    key = create_key(name)
    click.echo(key)
    click.echo(f"Key {name!r} created. It is shown only now: store it where your shop's server can read it.", err=True)


@api_keys_cli.command("list")
def list_command():
    """The keys: name, created, revoked."""
    db.database.connect(reuse_if_open=True)
    rows = list(ApiKey.select().order_by(ApiKey.created_at, ApiKey.id))
    if not rows:
        click.echo("No keys.")
    for row in rows:
        state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "live"
        click.echo(f"{row.name}\tcreated {row.created_at:%Y-%m-%d %H:%M}\t{state}")


@api_keys_cli.command("revoke")
@click.argument("name")
def revoke_command(name):
    """Revoke the key called NAME: requests with it get 401 from now on."""
    db.database.connect(reuse_if_open=True)
    revoke_key(name)
    click.echo(f"Key {name!r} revoked.")
