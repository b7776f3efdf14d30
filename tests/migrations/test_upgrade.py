"""A database of the first release (tests/fixtures/release1) upgrades in place through
`flask --app app db upgrade`: every row and value kept, the new columns filled, and the
site works on it as before, logins and photos included."""

import re

import pytest

from models import migrations
from tests.conftest import csrf_from, login
from tests.migrations.conftest import FIXTURE

NEWER = [name for name in migrations.names() if name != migrations.FIRST]


def rows_of(database):
    """Every row of every first-release table, with the columns that release had."""
    snapshot = {}
    for table in sorted(migrations.FIRST_RELEASE_TABLES):
        cursor = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY "id"')
        columns = [c[0] for c in cursor.description]
        # PostgreSQL's generated `listing.search` is the search index, which m0008 rebuilds by word form.
        kept = [i for i, c in enumerate(columns) if (table, c) != ("listing", "search")]
        snapshot[table] = ([columns[i] for i in kept], [tuple(row[i] for i in kept) for row in cursor.fetchall()])
    return snapshot


def rows_now(database, columns, table):
    listed = ", ".join(f'"{c}"' for c in columns)
    return database.execute_sql(f'SELECT {listed} FROM "{table}" ORDER BY "id"').fetchall()


@pytest.fixture
def upgraded(release1_config, make_app, open_db):
    """The app on the first release's database, after `db upgrade` (and the rows from before it)."""
    database = open_db(release1_config["DATABASE_URL"])
    before = rows_of(database)
    database.close()
    app = make_app(release1_config)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return app, before, result.output


def test_db_upgrade_keeps_every_row_and_fills_the_new_columns(upgraded, open_db):
    app, before, output = upgraded
    # The release's tables say m0001 is in place: only what came after it runs.
    assert output.split("\n")[:-1] == [f"Applied {name}" for name in NEWER]
    database = open_db(app.config["DATABASE_URL"])
    for table, (columns, rows) in before.items():
        assert rows, f"the fixture has no {table} rows"
        assert rows_now(database, columns, table) == rows, table
    mails = database.execute_sql(
        'SELECT "created_at", "next_attempt_at", "claimed_at", "claim_token", "sent_at", "attempts", "failed_at" '
        'FROM "outgoingmail" ORDER BY "id"'
    ).fetchall()
    assert {m[0] == m[1] for m in mails} == {True}  # due since they were queued
    assert {(m[2], m[3]) for m in mails} == {(None, None)}
    # Mail the release had given up on (10 attempts) is marked so: it is not sent again.
    assert [m[5] for m in mails if m[6] is not None] == [10]
    assert [(m[4] is None, m[5]) for m in mails if m[6] is None].count((True, 2)) == 1
    assert database.execute_sql('SELECT COUNT(*) FROM "formsubmission"').fetchone()[0] == 0
    assert database.execute_sql('SELECT COUNT(*) FROM "role" WHERE "name" = \'admin\'').fetchone()[0] == 1


def test_db_status_then_a_second_upgrade_applies_nothing(upgraded):
    app, _before, _output = upgraded
    runner = app.test_cli_runner()
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 0, status.output
    for name in migrations.names():
        assert re.search(rf"^{name} +applied \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", status.output, re.M), status.output
    assert "pending" not in status.output
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert again.output == "The database schema is up to date.\n"


def test_the_site_works_on_the_upgraded_database(upgraded):
    app, before, _output = upgraded
    client = app.test_client()
    showcase = client.get("/pristroy/").get_data(as_text=True)
    assert "Grey scarf, worn once" in showcase and "White linen shirt" in showcase
    assert "Navy parka" not in showcase and "Second grey scarf" not in showcase
    assert "Grey scarf, worn once" in client.get("/pristroy/?q=scarf").get_data(as_text=True)  # the search index
    names, rows = before["listing"]
    listings = {row[names.index("name")]: row[names.index("id")] for row in rows}
    item = client.get(f"/pristroy/{listings['Grey scarf, worn once']}")
    page = item.get_data(as_text=True)
    assert item.status_code == 200 and "Is it still available?" in page and "Yes, it is." in page
    photo = re.search(r'src="(/media/[0-9a-f]{32}\.jpg)"', page).group(1)
    served = client.get(photo)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()
    assert client.get(f"/pristroy/{listings['Slim jeans']}").status_code == 410

    # A demo account of the first release logs in with its password, and finds its listings.
    assert login(client, "alice", "alice12345").status_code == 302
    my_items = client.get("/account/pristroy/").get_data(as_text=True)
    for name in ("Grey scarf, worn once", "Second grey scarf", "Navy parka", "Running shoes, size 38"):
        assert name in my_items
    assert "Add a photo of the label" in my_items  # the decline reason
    # New rows get new ids after the release's (PostgreSQL's sequences came along).
    item_url = f"/pristroy/{listings['Grey scarf, worn once']}"
    token = csrf_from(client.get(item_url).get_data(as_text=True))
    answer = client.post(f"{item_url}/comments", data={"body": "Also in blue.", "csrf_token": token})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:2000]
    assert "Also in blue." in client.get(item_url).get_data(as_text=True)


def test_mail_left_by_the_first_release_is_sent_and_given_up_mail_stays_failed(upgraded):
    from models import OutgoingMail
    from models.outbox import drain

    app, _before, _output = upgraded
    with app.app_context():
        from models import db

        db.database.connect(reuse_if_open=True)
        assert [m.attempts for m in OutgoingMail.failed()] == [10]
        assert drain() == (1, 0)
        assert OutgoingMail.pending().count() == 0
        db.database.close()


def test_the_fixture_has_the_photo_files_of_its_rows():
    import os

    files = set(os.listdir(os.path.join(FIXTURE, "uploads")))
    with open(os.path.join(FIXTURE, "sqlite.sql")) as fh:
        stems = set(re.findall(r"INSERT INTO photo VALUES\(\d+,'([0-9a-f]{32})','(\w+)'", fh.read()))
    assert len(stems) == 9
    assert files == {f"{s}.{e}" for s, e in stems} | {f"{s}.thumb.{e}" for s, e in stems}
