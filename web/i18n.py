"""Languages: the switcher, the locale-aware formatting and the catalog commands.

The language of a request is the user's choice (kept in the session and, for a
logged-in user, in `User.locale`), else the browser's `Accept-Language`, else
the store's `BABEL_DEFAULT_LOCALE` (`select_locale`); an HTML page says which in
`<html lang>` and `Content-Language`. Mail goes out in the recipient's language
(`models.notifications.notify`).

The catalogs live in `web/translations/` (`messages`: ours; `flask_security`: a few
overrides of Flask-Security-Too's own Russian words); the compiled `.mo` files are
committed, so `python app.py` needs no build step. After changing a string:

    flask --app app translate update    # extract into messages.pot, merge into every messages.po
    (translate the new entries in web/translations/ru/LC_MESSAGES/messages.po)
    flask --app app translate compile   # messages.po -> messages.mo
    flask --app app translate check     # what tests/i18n checks: nothing missing, fuzzy or stale
"""

import datetime as _dt
import functools
import os
import unicodedata
from decimal import Decimal
from urllib.parse import unquote, urlsplit

import click
from babel import Locale
from babel.numbers import format_currency
from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_decimal, format_time, get_locale
from flask_security import current_user

from .config import TRANSLATIONS

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BABEL_CFG = os.path.join(HERE, "babel.cfg")
POT = os.path.join(TRANSLATIONS, "messages.pot")
# What the extraction reads, relative to the project root.
SOURCES = ("app.py", "models", "web", "public", "admin_views", "templates")
KEYWORDS = ("_", "gettext", "ngettext:1,2", "pgettext:1c,2", "_l", "lazy_gettext", "lazy_ngettext:1,2")

# Each language named in itself, for the switcher.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

bp = Blueprint("i18n", __name__)


# The language a visitor picked in the switcher, kept in a plain cookie: no session needed.
LANG_COOKIE = "lang"
LANG_COOKIE_AGE = 365 * 86400


def select_locale():
    """The user's choice (session, then the language cookie, then the profile), else the
    browser's language, else the default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or default_language()


def anonymous_language():
    """The language `select_locale` picks for a visitor without a session (the page cache's key)."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or default_language()


def default_language():
    """The store's language (`BABEL_DEFAULT_LOCALE`) for a visitor whose browser names none of ours."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def safe_next(target):
    """A path on this site to go back to (`/pristroy/?q=coat`), or None.

    Browsers drop tabs and line breaks from an address and read a backslash as a
    slash, so `/\t/evil.com` or `/\\evil.com` would leave the site. Refused: anything
    but a path; any control, format or space character, or backslash; and a path
    that starts like `//host` once percent-decoded and NFKC-normalised
    (`/%2F%2Fevil.com`, a full-width `／／evil.com`).
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(_invisible_in_url(char) for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    decoded = "".join(c for c in unicodedata.normalize("NFKC", unquote(target)) if not _invisible_in_url(c))
    if decoded[:2] in ("//", "/\\"):
        return None
    return target


def _invisible_in_url(char):
    # Control, format, private-use and unassigned (C*), and every space or separator (Z*).
    return unicodedata.category(char)[0] in "CZ"


def _remember_language(response, lang):
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=LANG_COOKIE_AGE,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.get("/language/<code>")
def choose_language(code):
    """The switcher's links for a visitor who is not logged in: a language cookie, then back.

    A GET that changes nothing but this browser's own language (no session, no token:
    the pages that link here are the same for every visitor and can be cached).
    A logged-in user's profile is changed only by the POST form below, which has CSRF.
    """
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if "lang" in session:
        session.pop("lang")  # the cookie's choice is the newer one
    response = redirect(safe_next(request.args.get("next")) or url_for("showcase.home"), code=303)
    response.headers["Cache-Control"] = "no-store"
    return _remember_language(response, code)


@bp.post("/language")
def set_language():
    """The logged-in user's switcher: remember the choice (also in the profile), then go back."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        user = current_user._get_current_object()
        type(user).update(locale=lang).where(type(user).id == user.id).execute()
        user.locale = lang
    response = redirect(safe_next(request.form.get("next")) or url_for("showcase.home"), code=303)
    return _remember_language(response, lang)


def babel_money(value, locale, currency):
    """A price as Babel writes it for `locale`: the reference `money` must agree with."""
    value = Decimal(value)
    pattern = locale.currency_formats["standard"].pattern
    if value == value.to_integral_value():
        pattern = pattern.replace(".00", "")
    text = format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)
    # CLDR's currency spacing, which Babel leaves out: "RUB 1,500", not "RUB1,500".
    if text[:1].isalpha() and not text[:1].isdigit():
        symbol_end = len(text) - len(text.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
        if 0 < symbol_end < len(text) and text[symbol_end].isdigit():
            text = f"{text[:symbol_end]}\u00a0{text[symbol_end:]}"
    return text


@functools.lru_cache(maxsize=64)
def _money_shape(locale_id, currency):
    """How a locale writes prices (symbol before or after, group and decimal marks),
    read once from Babel's own output for a probe amount."""
    probe = babel_money(Decimal("1234567.89"), Locale.parse(locale_id), currency)
    first, last = probe.index("1"), probe.rindex("9")
    body = probe[first : last + 1]
    return probe[:first], probe[last + 1 :], body[1], body[-3]


def money(value):
    """A price for the current locale, in the store's currency (`CURRENCY`), two decimals only when needed.

    Formatted from the locale's shape rather than through Babel for each price: a
    showcase page has dozens of prices, and `babel_money` is the reference it must
    agree with (tests/i18n/test_money.py).
    """
    if value is None or value == "":
        return ""
    value = Decimal(value).quantize(Decimal("0.01"))
    locale = get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])
    prefix, suffix, group, decimal = _money_shape(str(locale), current_app.config["CURRENCY"])
    digits = f"{value:,.2f}"  # prices are positive: the lifecycle refuses anything else
    whole, cents = digits[:-3].replace(",", group), digits[-2:]
    return f"{prefix}{whole}{'' if cents == '00' else decimal + cents}{suffix}"


def number(value):
    """A quantity or count for the current locale: 1,000 in English, 1 000 in Russian."""
    return "" if value is None or value == "" else format_decimal(value)


def date(value):
    """A date for the current locale (medium length), or nothing."""
    return format_date(value, "medium") if value else ""


def month(value):
    """A month and year, as the item page's "Bought in" says it."""
    return format_date(value, "LLLL yyyy") if value else ""


def datetime(value):
    """A timestamp in the store's time zone for the current locale, without seconds:
    "Dec 1, 2026, 1:20 PM", "1 дек. 2026 г., 13:20"."""
    if not value:
        return ""
    locale = get_locale() or Locale.parse("en")
    pattern = locale.datetime_formats["medium"]
    return pattern.format(format_time(value, "short"), format_date(value, "medium"))


def isotime(value):
    """A timestamp for machines (`<time datetime>`, Atom): `2026-12-01T21:47:57Z`, to the second, in UTC.

    Stored times are naive UTC (`models.users.utcnow`); an aware one is converted.
    No microseconds: HTML's `datetime` attribute allows at most three decimals.
    """
    if not value:
        return ""
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value)
    if not isinstance(value, _dt.datetime):
        return value.isoformat()  # a date
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _languages_context():
    current = str(get_locale() or "en")
    return {
        "current_language": current,
        "language_choices": [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]],
    }


def _vary(response):
    # The same address answers in the browser's language: caches must tell them apart.
    response.vary.add("Accept-Language")
    return response


def _say_language():
    # Registered for this request only, so that it runs before the page cache stores the
    # page (app-wide after-request hooks run after the cache's): a cached copy carries it too.
    after_this_request(_content_language)


def _content_language(response):
    """An HTML page's `Content-Language`: the language it was written in, as in `<html lang>`."""
    if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
        response.headers.setdefault("Content-Language", str(get_locale() or default_language()))
    return response


# ---------------------------------------------------------------- catalogs


def _pybabel(*args):
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output=POT):
    """Every wrapped string of the sources into `output` (messages.pot)."""
    keywords = []
    for keyword in KEYWORDS:
        keywords += ["-k", keyword]
    cwd = os.getcwd()
    os.chdir(ROOT)  # relative paths in the .pot's references
    try:
        _pybabel(
            "extract",
            "-F",
            os.path.relpath(BABEL_CFG),
            "--no-default-keywords",
            *keywords,
            "--sort-by-file",
            "--omit-header",
            "-o",
            os.path.relpath(output),
            *SOURCES,
        )
    finally:
        os.chdir(cwd)


def catalogs():
    """The languages that have a catalog."""
    names = os.listdir(TRANSLATIONS) if os.path.isdir(TRANSLATIONS) else []
    return sorted(n for n in names if os.path.isfile(os.path.join(TRANSLATIONS, n, "LC_MESSAGES", "messages.po")))


def problems(pot=POT):
    """What is wrong with the catalogs: messages missing, untranslated, fuzzy or obsolete; a stale .mo."""
    from babel.messages.pofile import read_po

    with open(pot, "rb") as fh:
        template = read_po(fh)
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    found = []
    for lang in catalogs():
        base = os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages")
        with open(base + ".po", "rb") as fh:
            po = read_po(fh, locale=lang)
        have = {}
        for m in po:
            if not m.id:
                continue
            key = m.id if isinstance(m.id, str) else m.id[0]
            have[key] = m
            strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
            if m.fuzzy:
                found.append(f"{lang}: fuzzy: {key!r}")
            if not all(strings):
                found.append(f"{lang}: untranslated: {key!r}")
        found += [f"{lang}: missing: {key!r}" for key in sorted(wanted - set(have))]
        found += [f"{lang}: not in the sources any more: {key!r}" for key in sorted(set(have) - wanted)]
        if po.obsolete:
            found.append(f"{lang}: {len(po.obsolete)} obsolete (#~) entries: run `translate update`")
        found += _stale(lang, "messages", po)
        security = os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "flask_security.po")
        if os.path.exists(security):
            with open(security, "rb") as fh:
                found += _stale(lang, "flask_security", read_po(fh, locale=lang))
    return found


def _stale(lang, domain, po):
    """The .mo of a catalog is missing or does not hold what its .po says."""
    from babel.messages.mofile import read_mo

    path = os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", f"{domain}.mo")
    if not os.path.exists(path):
        return [f"{lang}: {domain}.mo missing: run `translate compile`"]
    with open(path, "rb") as fh:
        compiled = {_entry(m) for m in read_mo(fh) if m.id}
    if compiled != {_entry(m) for m in po if m.id and not m.fuzzy}:
        return [f"{lang}: {domain}.mo is out of date with {domain}.po: run `translate compile`"]
    return []


def _entry(message):
    def flat(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return message.context, flat(message.id), flat(message.string)


def register_commands(app):
    @app.cli.group("translate")
    def translate():
        """Catalogs: extract the strings, update the .po files, compile them."""

    @translate.command("extract")
    def extract_command():
        """Write web/translations/messages.pot from the sources."""
        extract()
        click.echo(f"Wrote {os.path.relpath(POT)}")

    @translate.command("update")
    def update_command():
        """Extract, then merge messages.pot into every language's messages.po."""
        extract()
        _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete")
        click.echo("Updated: " + ", ".join(catalogs()) + ". Translate the new entries, then run `translate compile`.")

    @translate.command("init")
    @click.argument("lang")
    def init_command(lang):
        """Start a catalog for a new language (then add it to LANGUAGES)."""
        extract()
        _pybabel("init", "-i", POT, "-d", TRANSLATIONS, "-l", lang)

    @translate.command("compile")
    def compile_command():
        """Compile every messages.po into the messages.mo the app reads."""
        _pybabel("compile", "-d", TRANSLATIONS, "-D", "messages flask_security", "--statistics")

    @translate.command("check")
    def check_command():
        """Extract and report missing, untranslated, fuzzy or stale messages (exit 1 if any)."""
        extract()
        found = problems()
        for line in found:
            click.echo(line)
        if found:
            raise SystemExit(1)
        click.echo("Catalogs complete: " + ", ".join(catalogs()))


def init_app(app):
    app.register_blueprint(bp)
    app.context_processor(_languages_context)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["date"] = date
    app.jinja_env.filters["datetime"] = datetime
    app.jinja_env.filters["month"] = month
    app.jinja_env.filters["isotime"] = isotime
    app.after_request(_vary)
    app.before_request(_say_language)
    register_commands(app)


def _page_translations():
    """The catalog for the locale in force, looked up once per locale per request.

    Flask-Babel's template callables look the catalog up again for every string,
    and a page has dozens. Keyed by the locale object so that `force_locale` (mails
    rendered in the recipient's language) still gets its own catalog.
    """
    from flask import g
    from flask_babel import get_translations

    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    cached = g.get("_page_translations")
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    g._page_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def install_fast_gettext(app):
    """Replace Flask-Babel's template callables with ones using `_page_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
    )
