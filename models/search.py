"""Full-text search over listings by word form, in English and Russian.

The words of a listing's name, description and its product's name are
normalised in Python (`search_words`): lower-cased, each replaced by its
dictionary form (lemma) from `simplemma`, with the written form kept beside it
when it differs. So "scarves" and "scarf" both become "scarf", "шарфы" and
"шарф" both "шарф". A Snowball stemmer alone would not do: it makes "scarv" of
"scarves" but "scarf" of "scarf". The result is stored in `listing.search_text`
and indexed with the language-neutral tokenisation of each database, so
SQLite and PostgreSQL answer alike (they only split on spaces):

* SQLite: an FTS5 table with external content (`listing_fts`, rowid = listing
  id) over `search_text` of the public listings, kept in step by three triggers
  on `listing`.
* PostgreSQL: a generated `tsvector` column `listing.search` of `search_text`
  (configuration `simple`) with a GIN index.

`search_text` is written by the models (`Listing.save`, `Listing.update` and
`Product` changes call `refresh_search_text`); the demo's bulk import fills it
itself. A query's words go through the same normalisation and each is matched
as a prefix, so "jack" still finds "jacket".

`matching_ids(q)` gives the SQL of the ids of listings whose text matches; the
caller combines it with its own filter (the showcase: `Listing.public()`).
"""

import re
from functools import lru_cache

import simplemma
from peewee import SQL, ModelUpdate
from simplemma.strategies import DefaultStrategy

from .db import database, is_postgres
from .migrations import m0012_search_public_only as _frozen

MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40
WORD_RE = re.compile(r"\w+", re.UNICODE)
# English first: for a word both languages know, its English lemma wins (Cyrillic
# words are only in the Russian dictionary anyway).
LANGUAGES = ("en", "ru")
# simplemma's low-memory dictionaries: 23 MB a process for English and Russian instead of
# 160 MB (a worker then stays well under 150 MB), at about 50 µs a lookup instead of 9,
# paid once per distinct word since word_forms keeps its answers (so no cache of its own).
LEMMATIZER = simplemma.Lemmatizer(cache_max_size=0, lemmatization_strategy=DefaultStrategy(low_memory=True))

# Only public (Approved) listings are in the SQLite index, so a search's matches are the
# visible ones: counting them is counting index entries, and a word in half the hidden
# catalog costs nothing. A listing enters the index when it becomes Approved and leaves
# when it stops being: the triggers of m0012_search_public_only follow `status` as well
# as `search_text` (the same SQL builds a new database's index).
SQLITE_SETUP = (
    """CREATE VIRTUAL TABLE listing_fts USING fts5(
        search_text, content='listing', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    *_frozen.TRIGGERS,
)
SQLITE_FILL = _frozen.FILL

POSTGRES_SETUP = (
    """ALTER TABLE listing ADD COLUMN IF NOT EXISTS search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED""",
    "CREATE INDEX IF NOT EXISTS listing_search_gin ON listing USING GIN (search)",
)


def create_search_index():
    """Create the full-text index of listings if it is missing; safe to run again."""
    real = database()
    if is_postgres():
        for statement in POSTGRES_SETUP:
            real.execute_sql(statement)
        return
    exists = real.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'listing_fts'").fetchone()
    if exists:
        return
    for statement in SQLITE_SETUP:
        real.execute_sql(statement)
    fill_search_index()


def fill_search_index():
    """Index the public listings again from scratch (SQLite; after a bulk load)."""
    for statement in SQLITE_FILL:
        database().execute_sql(statement)


# ---------------------------------------------------------------- word forms


@lru_cache(maxsize=100_000)
def word_forms(word):
    """The forms a lower-case word is indexed under: its lemma, then the word itself if different."""
    lemma = LEMMATIZER.lemmatize(word, lang=LANGUAGES).lower()
    return (lemma,) if lemma == word else (lemma, word)


def warm_up():
    """Load simplemma's dictionaries now (1–2 s per process), not on the first search.

    simplemma reads them lazily, per language, on the first lemma asked for; the
    gunicorn config calls this in each worker before it takes requests.
    """
    for language in LANGUAGES:
        LEMMATIZER.lemmatize("warm", lang=language)
    word_forms("warm")


def _words(text):
    for word in WORD_RE.findall((text or "").lower()):
        word = word.replace("_", "")[:MAX_WORD_LENGTH]
        if word:
            yield word


@lru_cache(maxsize=100_000)
def _token_forms(token):
    """`word_forms` of one lower-case token of WORD_RE, as `_words` cleans it; () if nothing is left."""
    word = token.replace("_", "")[:MAX_WORD_LENGTH]
    return word_forms(word) if word else ()


def search_words(*texts):
    """`search_text` of these texts: the forms of every word, once each, space-separated.

    The same words as `_words` gives, looked up per raw token: a bulk load of
    100,000 listings repeats the same few hundred words.
    """
    seen = {}
    for text in texts:
        if not text:
            continue
        for token in WORD_RE.findall(text.lower()):
            for form in _token_forms(token):
                seen[form] = None
    return " ".join(seen)


def query_words(q):
    """The lemmas of a visitor's query words, de-duplicated, at most a few."""
    words = []
    for word in _words(q):
        lemma = word_forms(word)[0]
        if lemma not in words:
            words.append(lemma)
        if len(words) == MAX_QUERY_WORDS:
            break
    return words


def _match_expression(words):
    """The engine's query text: every word, each as a prefix (quoted, so nothing is an operator)."""
    if is_postgres():
        return " & ".join("'{}':*".format(word.replace("'", "")) for word in words)
    return " ".join(f'"{word}"*' for word in words)


def matching_ids(q):
    """SQL selecting the ids of listings whose words include every word of `q` (by word form).

    None when `q` has no words (then there is nothing to filter by).
    """
    words = query_words(q)
    if not words:
        return None
    param = database().param
    if is_postgres():
        sql = f"SELECT id FROM listing WHERE search @@ to_tsquery('simple', {param})"
    else:
        sql = f"SELECT rowid FROM listing_fts WHERE listing_fts MATCH {param}"
    # Parenthesised: it is used as `Listing.id IN (...)`.
    return SQL(f"({sql})", [_match_expression(words)])


def count_matches(q):
    """How many public listings match `q`, counted in the index alone; None on PostgreSQL
    (whose index holds every listing: the caller counts with its own filter)."""
    if is_postgres():
        return None
    words = query_words(q)
    if not words:
        return 0
    sql = f"SELECT count(*) FROM listing_fts WHERE listing_fts MATCH {database().param}"
    return database().execute_sql(sql, [_match_expression(words)]).fetchone()[0]


# ---------------------------------------------------------------- keeping search_text current


def refresh_search_text(listing_ids=None, product_ids=None):
    """Recompute `search_text` of these listings (or of all listings of these products)."""
    from .listings import Listing
    from .orders import OrderLine, Product

    query = (
        Listing.select(Listing.id, Listing.name, Listing.description, Product.name.alias("product_name"))
        .join(OrderLine, on=(Listing.order_line == OrderLine.id))
        .join(Product, on=(OrderLine.product == Product.id))
    )
    if listing_ids is not None:
        query = query.where(Listing.id.in_(list(listing_ids)))
    if product_ids is not None:
        query = query.where(Product.id.in_(list(product_ids)))
    for row in list(query.namedtuples()):
        text = search_words(row.name, row.description, row.product_name)
        ModelUpdate(Listing, {Listing.search_text: text}).where(Listing.id == row.id).execute()


class RefreshingUpdate(ModelUpdate):
    """An UPDATE of listings or products that recomputes `search_text` of the listings it
    changed when it wrote one of `watched` fields (a listing's name, a product's name...)."""

    def __init__(self, model, update, watched, by_product):
        super().__init__(model, update)
        self._watched = watched
        self._by_product = by_product

    def _execute(self, database):
        if not any(field.name in self._watched for field in self._update):
            return super()._execute(database)
        # Read before: the WHERE may test what the UPDATE changes (a listing's version).
        ids = [row[0] for row in self.model.select(self.model.id).where(self._where).tuples()]
        result = super()._execute(database)
        if ids:
            if self._by_product:
                refresh_search_text(product_ids=ids)
            else:
                refresh_search_text(listing_ids=ids)
        return result
