"""`flask --app app backup DIR` and `restore DIR`: the database and the photos, consistently.

A backup is a folder:

    manifest.json        what it holds: when, which database, row counts, files
    uploads/             a copy of UPLOAD_DIR
    database.sqlite3     SQLite: made with SQLite's online backup API
    database.pgdump      PostgreSQL: `pg_dump -Fc` (custom format, for pg_restore)

It is taken while the app serves. The photos are copied first, then the database
is copied, then the photos written meanwhile are copied too: a photo's files are
written before its row is committed, so every row in the database copy has its
files in the backup. The manifest is written last; a folder without one is not a
backup.

`restore` puts a backup into an empty database and an empty upload folder (it
refuses anything else, so nothing is ever overwritten): the files first, then the
database in one step (SQLite's backup API; `pg_restore --single-transaction`),
and checks the restored row counts against the manifest.

On PostgreSQL the schema named by `search_path` in the address's `options` (the
test suite's schema per session) is what is dumped and restored; otherwise the
whole database.
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from urllib.parse import unquote

import click
from flask import current_app
from flask.cli import with_appcontext

FORMAT = "flea-market-backup"
MANIFEST = "manifest.json"
UPLOADS = "uploads"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(click.ClickException):
    """A refusal with a clear message; exit status 1."""


# ---------------------------------------------------------------- where things are


def _kind(url):
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL addresses only, not {scheme}://")


def _sqlite_path(url):
    path = url.split("://", 1)[1].split("?", 1)[0]
    if path in ("", ":memory:"):
        raise BackupError("An in-memory SQLite database has nothing to back up or restore.")
    return unquote(path)


def _pg_params(url):
    """libpq environment for pg_dump / pg_restore / psycopg2, and the schema (or None)."""
    from playhouse.db_url import parse

    parsed = parse(url.replace("+pool", "", 1))
    env = {"PGDATABASE": parsed.get("database") or ""}
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if parsed.get(key):
            env[var] = str(parsed[key])  # the password goes in the environment, never in argv
    options = parsed.get("options") or ""
    if options:
        env["PGOPTIONS"] = options
    return env, _search_path_schema(options)


def _search_path_schema(options):
    """The first schema of `-c search_path=...` in libpq options, else None."""
    parts = options.replace("=", " = ").split()
    for i, part in enumerate(parts):
        if part in ("search_path", "-csearch_path") and i + 2 < len(parts) and parts[i + 1] == "=":
            first = parts[i + 2].split(",")[0].strip().strip('"')
            return first if first and first != "public" else None
    return None


def _psycopg_connect(env):
    import psycopg2

    keys = {"PGDATABASE": "dbname", "PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password"}
    kwargs = {keys[k]: v for k, v in env.items() if k in keys}
    if "PGOPTIONS" in env:
        kwargs["options"] = env["PGOPTIONS"]
    return psycopg2.connect(connect_timeout=10, **kwargs)


def _run(args, env):
    try:
        result = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed (Debian: apt-get install postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()}")


def _tables():
    from . import ALL_MODELS

    return [model._meta.table_name for model in ALL_MODELS]


# ---------------------------------------------------------------- files


def _upload_files(root):
    """Relative paths of the photo files under `root` (not the pipeline's half-written temporaries)."""
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name.startswith(".upload-") and name.endswith(".tmp"):
                continue
            found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def _copy_files(source, target, names, skip=()):
    """Copy `names` (relative) from `source` to `target`; return those copied (a vanished one is skipped)."""
    copied = []
    for name in names:
        if name in skip:
            continue
        destination = os.path.join(target, name)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        try:
            shutil.copy2(os.path.join(source, name), destination)
        except FileNotFoundError:
            continue  # removed while we copied: its row is gone too
        copied.append(name)
    return copied


# ---------------------------------------------------------------- backup


def _backup_sqlite(url, target):
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step: a consistent snapshot, while the app goes on reading and writing (WAL).
        source.backup(copy)
        counts = {table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in _tables()}
    finally:
        copy.close()
        source.close()
    return counts, None


def _backup_postgres(url, target):
    env, schema = _pg_params(url)
    conn = _psycopg_connect(env)
    try:
        # Count the rows in the very snapshot pg_dump dumps, so the manifest matches the dump.
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = {}
            for table in _tables():
                cur.execute(f'SELECT COUNT(*) FROM "{table}"')
                counts[table] = cur.fetchone()[0]
        args = ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", target]
        if schema:
            args.append(f"--schema={schema}")
        _run(args, env)
    finally:
        conn.rollback()
        conn.close()
    return counts, schema


def backup(directory):
    """Write a backup of the app's database and photos into `directory` (new or empty)."""
    url = current_app.config["DATABASE_URL"]
    kind = _kind(url)
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise BackupError(f"{directory} is not an empty folder: give a new or empty one.")
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o700)  # it holds every account's data: for the operator only
    uploads = current_app.config["UPLOAD_DIR"]
    target = os.path.join(directory, UPLOADS)
    os.makedirs(target, exist_ok=True)
    files = _copy_files(uploads, target, _upload_files(uploads))
    started = dt.datetime.now(dt.UTC)
    if kind == "sqlite":
        database_file = SQLITE_FILE
        counts, schema = _backup_sqlite(url, os.path.join(directory, SQLITE_FILE))
    else:
        database_file = PG_FILE
        counts, schema = _backup_postgres(url, os.path.join(directory, PG_FILE))
    # Photos whose rows were committed while the database was being copied.
    files += _copy_files(uploads, target, _upload_files(uploads), skip=set(files))
    manifest = {
        "format": FORMAT,
        "version": 1,
        "created_at": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "database": kind,
        "schema": schema,
        "database_file": database_file,
        "counts": counts,
        "files": len(files),
    }
    with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
    return manifest


# ---------------------------------------------------------------- restore


def read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError):
        raise BackupError(f"{directory} is not a backup: no readable {MANIFEST} in it.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{directory} is not a backup of this app: {MANIFEST} is not ours.")
    database_file = os.path.join(directory, str(manifest.get("database_file")))
    if not os.path.isfile(database_file) or not os.path.isdir(os.path.join(directory, UPLOADS)):
        raise BackupError(f"{directory} is an incomplete backup: its database file or uploads/ is missing.")
    return manifest


def _sqlite_tables(path):
    if not os.path.exists(path):
        return []
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()


def _pg_tables(conn, schema):
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema or "public",))
        return [row[0] for row in cur.fetchall()]


def _restore_sqlite(url, directory, manifest):
    path = _sqlite_path(url)
    if _sqlite_tables(path):
        raise BackupError(f"The database {path} is not empty: restore only into an empty database.")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    source = sqlite3.connect(os.path.join(directory, manifest["database_file"]))
    target = sqlite3.connect(path)
    try:
        source.backup(target)  # one step: the target has all of it or none of it
        return {table: target.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in _tables()}
    finally:
        target.close()
        source.close()


def _check_postgres_empty(url, manifest):
    env, schema = _pg_params(url)
    if (manifest.get("schema") or None) != schema:
        raise BackupError(
            f"The backup is of schema {manifest.get('schema') or 'public'}, the database address names "
            f"{schema or 'public'}: set search_path in DATABASE_URL's options to the backup's schema."
        )
    conn = _psycopg_connect(env)
    conn.autocommit = True
    try:
        if _pg_tables(conn, schema):
            raise BackupError(
                f"The database {env['PGDATABASE']} (schema {schema or 'public'}) is not empty: "
                "restore only into an empty database."
            )
        if schema:
            # The dump creates its schema: an empty one already there would stop it.
            with conn.cursor() as cur:
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}"')
    finally:
        conn.close()
    return env, schema


def _restore_postgres(url, directory, manifest):
    env, schema = _pg_params(url)
    dump = os.path.join(directory, manifest["database_file"])
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "-d", env["PGDATABASE"], dump], env)
    conn = _psycopg_connect(env)
    try:
        with conn.cursor() as cur:
            counts = {}
            for table in _tables():
                cur.execute(f'SELECT COUNT(*) FROM "{table}"')
                counts[table] = cur.fetchone()[0]
        return counts
    finally:
        conn.close()


def restore(directory):
    """Restore a backup into the app's (empty) database and (empty) upload folder."""
    manifest = read_manifest(directory)
    url = current_app.config["DATABASE_URL"]
    kind = _kind(url)
    if manifest.get("database") != kind:
        raise BackupError(f"This is a backup of a {manifest.get('database')} database; DATABASE_URL is {kind}.")
    uploads = current_app.config["UPLOAD_DIR"]
    if _upload_files(uploads):
        raise BackupError(f"The upload folder {uploads} is not empty: restore only into an empty one.")
    if kind == "sqlite":
        if _sqlite_tables(_sqlite_path(url)):
            raise BackupError(f"The database {_sqlite_path(url)} is not empty: restore only into an empty database.")
    else:
        _check_postgres_empty(url, manifest)
    os.makedirs(uploads, exist_ok=True)
    source = os.path.join(directory, UPLOADS)
    copied = _copy_files(source, uploads, _upload_files(source))
    try:
        if kind == "sqlite":
            counts = _restore_sqlite(url, directory, manifest)
        else:
            counts = _restore_postgres(url, directory, manifest)
    except BaseException:
        for name in copied:  # nothing half-restored: take the files back out
            os.unlink(os.path.join(uploads, name))
        raise
    expected = {table: n for table, n in (manifest.get("counts") or {}).items() if table in counts}
    wrong = {table: (expected[table], counts[table]) for table in expected if counts[table] != expected[table]}
    if wrong:
        raise BackupError(f"Restored, but row counts differ from the backup's (expected, found): {wrong}")
    return manifest, counts, len(copied)


# ---------------------------------------------------------------- commands


def _summary(counts):
    return ", ".join(f"{table} {n}" for table, n in counts.items() if n)


def _database_errors():
    errors = [sqlite3.Error, OSError]
    try:
        import psycopg2

        errors.append(psycopg2.Error)
    except ImportError:  # SQLite-only installs
        pass
    return tuple(errors)


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(directory):
    """Back up the database and the photos into DIRECTORY (new or empty), while the app serves."""
    try:
        manifest = backup(directory)
    except _database_errors() as exc:
        raise BackupError(
            f"Backup failed: {exc}. {directory} has no manifest, so it is not a backup: delete it and try again."
        ) from exc
    click.echo(f"Backed up the {manifest['database']} database and {manifest['files']} photo files to {directory}.")
    click.echo(f"Rows: {_summary(manifest['counts']) or 'none'}.")


@click.command("restore")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def restore_command(directory):
    """Restore a backup made by `backup` into an empty database and an empty upload folder."""
    try:
        manifest, counts, files = restore(directory)
    except _database_errors() as exc:
        raise BackupError(f"Restore failed, nothing was restored: {exc}") from exc
    click.echo(f"Restored the backup of {manifest['created_at']}: {files} photo files.")
    click.echo(f"Rows: {_summary(counts) or 'none'}.")


def init_app(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
