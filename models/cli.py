"""Command-line commands (`flask --app app ...`): init-db, db, demo-data, send-mail, run-jobs, check,
api-keys, import."""

import time

import click
from flask.cli import with_appcontext
from peewee import OperationalError

from . import migrations
from .db import db


def _connect():
    try:
        db.database.connect(reuse_if_open=True)
    except OperationalError as exc:
        raise click.ClickException(f"The database does not answer: {exc}".strip()) from exc


def _upgrade():
    """Apply the pending migrations, saying which; a step that fails is a clear error (exit 1)."""
    _connect()
    try:
        names = migrations.upgrade(db.database.obj)
    except migrations.MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    for name in names:
        click.echo(f"Applied {name}")
    return names


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the schema on an empty database (the same as `db upgrade`) and the `admin` role; safe to run again."""
    from .users import Role

    _upgrade()
    # So that `flask --app app roles add EMAIL admin` works on a new install.
    Role.get_or_create(name="admin", defaults={"description": "Store administrator"})
    click.echo("Database ready.")


@click.group("db")
def db_group():
    """Schema migrations: `db upgrade` applies what is pending, `db status` lists them."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade_command():
    """Bring the database to the current schema, keeping its data (back it up first)."""
    if not _upgrade():
        click.echo("The database schema is up to date.")


@db_group.command("status")
@with_appcontext
def db_status_command():
    """List every migration: applied (with its time) or pending."""
    _connect()
    done = migrations.applied(db.database.obj)
    known = migrations.names()
    width = max(len(name) for name in [*known, *done])
    for name in known:
        if name not in done:
            state = "pending"
        elif done[name] is None:
            state = "applied (the first release's tables; recorded by the next upgrade)"
        else:
            state = f"applied {done[name]:%Y-%m-%d %H:%M:%S} UTC"
        click.echo(f"{name:<{width}}  {state}")
    for name in done:
        if name not in known:
            click.echo(
                f"{name:<{width}}  applied {done[name]:%Y-%m-%d %H:%M:%S} UTC, unknown to this version of the app"
            )
    waiting = [name for name in known if name not in done]
    if waiting:
        click.echo(f"{len(waiting)} pending: run flask --app app db upgrade")
    else:
        click.echo("The database schema is up to date.")


@click.command("demo-data")
@click.option("--listings", "listings", type=click.IntRange(min=0), default=0, help="Also add N synthetic listings.")
@click.option("--seed", type=int, default=None, help="Random seed for the synthetic listings.")
@with_appcontext
def demo_data_command(listings, seed):
    """Load the demo accounts, products and orders (safe to run again)."""
    from .demo import DEMO_ACCOUNTS, generate_listings, load_demo_data

    _upgrade()
    load_demo_data()
    click.echo("Demo accounts: " + ", ".join(f"{a['username']} / {a['password']}" for a in DEMO_ACCOUNTS))
    if listings:
        started = time.monotonic()
        with click.progressbar(length=listings, label="Synthetic listings") as bar:
            generate_listings(listings, progress=bar.update, seed=seed)
        click.echo(f"Added {listings} listings in {time.monotonic() - started:.1f} s.")


@click.command("send-mail")
@click.option("--watch", is_flag=True, help="Keep running: a worker that sends mail as it is queued and retries.")
@click.option("--workers", type=click.IntRange(min=1), default=1, help="Worker threads for --watch.")
@click.option("--retry-failed", is_flag=True, help="Put mail that was given up on back in the queue, then send.")
@with_appcontext
def send_mail_command(watch, workers, retry_failed):
    """Send the mail that is due, once; or, with --watch, run the mail worker.

    In production run one `send-mail --watch` process beside the web servers: it
    sends mail as soon as it is queued and retries failures every minute.
    """
    from .outbox import drain
    from .outbox import retry_failed as requeue_failed

    _connect()
    if retry_failed:
        click.echo(f"Put back in the queue: {requeue_failed()}.")
    if watch:
        import logging

        from .jobs import create_consumer

        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        db.database.close()  # each worker thread opens its own connection
        click.echo("Mail worker running (Ctrl-C stops it).")
        create_consumer(workers=workers).run()
        return
    sent, failed = drain()
    click.echo(f"Sent {sent}, failed {failed}.")
    if failed:
        raise SystemExit(1)


@click.command("run-jobs")
@click.option("--retry-failed", is_flag=True, help="Put mail and events that were given up on back in the queue first.")
@with_appcontext
def run_jobs_command(retry_failed):
    """Do the background work that is due once, and exit: send mail, deliver events to the store.

    For cron (every minute) where no worker runs; exit status 1 if anything failed.
    """
    from .jobs import due_work

    _connect()
    trouble = False
    for work in due_work():
        if retry_failed and work.retry_failed:
            click.echo(f"{work.label}: put back in the queue: {work.retry_failed()}.")
        done, failed = work.run()
        click.echo(f"{work.label}: {work.done} {done}, failed {failed}.")
        problem = work.problem() if work.problem else None
        if problem:
            click.echo(f"{work.label}: {problem}.")
        trouble = trouble or bool(failed or problem)
    if trouble:
        raise SystemExit(1)


@click.command("check")
@click.option(
    "--fix", is_flag=True, help="Delete orphan files and rows whose files are gone; make missing WebP copies."
)
@with_appcontext
def check_command(fix):
    """Report what a crash may have left: orphan photo files, photo rows without files, pending and failed
    mail and webhook events, photos stored before their WebP copies existed (served their older files
    meanwhile, so they are no error: `--fix` makes the copies)."""
    import os

    from .outbox import OutgoingMail
    from .photos import Photo, find_orphans, make_webp, purge_staged, upload_dir, without_webp
    from .webhooks import check_report as webhook_report

    _connect()
    orphan_files, missing = find_orphans()
    pending = OutgoingMail.pending().count()
    click.echo(f"Orphan files: {len(orphan_files)}")
    for name in orphan_files:
        click.echo(f"  {name}")
    click.echo(f"Photos whose files are missing: {len(missing)}")
    for photo in missing:
        click.echo(f"  photo {photo.id} ({photo.filename})")
    no_webp = without_webp()
    click.echo(f"Photos without WebP copies: {len(no_webp)}" + (" (check --fix makes them)" if no_webp else ""))
    click.echo(f"Mail waiting to be sent: {pending}" + (" (run send-mail)" if pending else ""))
    gave_up = list(OutgoingMail.failed())
    click.echo(f"Mail given up on: {len(gave_up)}" + (" (send-mail --retry-failed sends it again)" if gave_up else ""))
    for mail in gave_up:
        error = (mail.last_error or "").split("\n", 1)[0][:200]
        click.echo(f"  {mail.recipient}: {mail.subject!r}, {mail.attempts} attempts, last error: {error}")
    webhook_trouble = webhook_report(click.echo)
    if fix:
        for name in orphan_files:
            os.unlink(os.path.join(upload_dir(), name))
        if missing:
            # Listings without photos left fall back to the product's (the foreign key is SET NULL).
            # Their gallery entries go with them; a listing's next photo becomes its main one.
            Photo.delete().where(Photo.id.in_([p.id for p in missing])).execute()
            from .lifecycle import repair_main_photos

            repair_main_photos()
        staged = purge_staged()
        click.echo(f"Fixed: removed {len(orphan_files)} files and {len(missing)} rows; {staged} expired kept photos.")
        if no_webp:
            made = 0
            with click.progressbar(no_webp, label="Making WebP copies") as photos:
                for photo in photos:
                    made += make_webp(photo)
            click.echo(f"WebP copies made for {made} of {len(no_webp)} photos.")
            if made < len(no_webp):
                raise SystemExit(1)
    elif orphan_files or missing or gave_up or webhook_trouble:
        raise SystemExit(1)


def init_app(app):
    from .api_keys import api_keys_cli
    from .importer import import_command

    app.cli.add_command(api_keys_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(init_db_command)
    app.cli.add_command(db_group)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(run_jobs_command)
    app.cli.add_command(check_command)
    from . import backup  # `backup DIR`, `restore DIR`

    backup.init_app(app)
