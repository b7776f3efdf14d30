"""Every setting the app reads: its name, default, parser and meaning, in one table.

`load(overrides)` builds the configuration in this order: the defaults, then the
environment (only settings marked `env`, and only non-empty variables), then
`overrides` (what `create_app(config)` is given; tests use it). A default that is
a callable is derived from the settings before it, and fills in a missing or
empty value. The README's Configuration table lists the `env` settings and is
checked against this table (tests/test_config.py).
"""

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("flea_market")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "web", "translations")
SENDER = "Flea Market <no-reply@example.com>"


def boolean(text):
    """An environment flag: 1, true, yes or on (any case) mean true."""
    return text.lower() in ("1", "true", "yes", "on")


def same(value):
    return value


def timezone_name(text):
    """An IANA time zone name (`Europe/Moscow`, `UTC`); anything else is refused at start."""
    import zoneinfo

    name = (text or "").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ValueError(
            f"TIMEZONE={text!r} is not an IANA time zone name (examples: UTC, Europe/Moscow, America/New_York)"
        ) from None
    return name


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any] = str
    env: bool = False
    doc: str = ""


def instance_secret(instance_path):
    """The signing key kept in instance/, created once and atomically.

    Several workers starting together must agree on one key: each writes its own
    candidate to a temporary file and hard-links it into place; `link` fails if
    the file exists, so exactly one candidate wins and everybody reads that one.
    """
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        with open(tmp, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
            log.warning("SECRET_KEY is not set: generated one in %s. Set SECRET_KEY in production.", path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path) as fh:
        return fh.read().strip()


SETTINGS = [
    # ------------------------------------------------ set by operators (environment)
    Setting(
        "INSTANCE_PATH",
        os.path.join(ROOT, "instance"),
        env=True,
        doc="folder of the SQLite file, secret key and mail outbox",
    ),
    Setting(
        "DATABASE_URL",
        lambda c: "sqlite:///" + os.path.join(c["INSTANCE_PATH"], "flea_market.db"),
        env=True,
        doc="`sqlite:///path.db` or `postgresql://user:pass@host:port/db`",
    ),
    Setting(
        "SECRET_KEY",
        lambda c: instance_secret(c["INSTANCE_PATH"]),
        env=True,
        doc="session and token signing key; generated once into instance/secret_key when unset",
    ),
    Setting("UPLOAD_DIR", os.path.join(ROOT, "uploads"), env=True, doc="where listing photos are stored"),
    Setting(
        "DATABASE_CONNECT_TIMEOUT",
        5.0,
        float,
        env=True,
        doc="seconds to wait for PostgreSQL to accept a connection before the 503 page",
    ),
    Setting(
        "DATABASE_STATEMENT_TIMEOUT",
        10.0,
        float,
        env=True,
        doc="seconds one PostgreSQL statement may run (`statement_timeout`) before the 503 page",
    ),
    Setting(
        "REDIS_URL",
        None,
        env=True,
        doc="rate-limit storage and anonymous page cache shared by several workers (else in memory)",
    ),
    Setting("PAGE_CACHE", True, boolean, env=True, doc="`0`: no cache of anonymous pages (each is rendered)"),
    Setting(
        "PAGE_CACHE_ENTRIES",
        2000,
        int,
        env=True,
        doc="pages the in-process cache keeps (without REDIS_URL), per worker",
    ),
    Setting(
        "PAGE_CACHE_BYTES",
        24 * 1024 * 1024,
        int,
        env=True,
        doc="bytes of pages (plain and gzip) the in-process cache keeps, per worker",
    ),
    Setting("PAGE_CACHE_TTL", 600, int, env=True, doc="seconds a cached page is kept at most (Redis expiry)"),
    Setting(
        "PAGE_MAX_AGE",
        5,
        int,
        env=True,
        doc="`max-age` of anonymous pages for a CDN (CDN-Cache-Control); browsers always revalidate",
    ),
    Setting(
        "PAGE_STALE_WHILE_REVALIDATE",
        30,
        int,
        env=True,
        doc="`stale-while-revalidate` of anonymous pages: seconds a shared cache may serve one while it refreshes",
    ),
    Setting(
        "CURRENCY", "RUB", env=True, doc="ISO 4217 code of the store's prices, formatted for each language by Babel"
    ),
    Setting(
        "TIMEZONE",
        "UTC",
        timezone_name,
        env=True,
        doc="the store's time zone (IANA name, e.g. `Europe/Moscow`): every time the pages and mails show is in it",
    ),
    Setting(
        "BABEL_DEFAULT_LOCALE",
        "en",
        env=True,
        doc="the store's language (one of LANGUAGES: `en`, `ru`) for a visitor who has not chosen one "
        "and whose browser asks for none of them",
    ),
    Setting(
        "COOKIE_SECURE",
        None,
        boolean,
        env=True,
        doc="force Secure cookies on or off; unset: on unless PUBLIC_URL is a local http address",
    ),
    Setting("MAIL_SERVER", None, env=True, doc="SMTP server; unset: mail is written as .eml files to instance/outbox/"),
    Setting("MAIL_PORT", 25, int, env=True, doc="SMTP port"),
    Setting("MAIL_USERNAME", None, env=True, doc="SMTP login"),
    Setting("MAIL_PASSWORD", None, env=True, doc="SMTP password"),
    Setting("MAIL_USE_TLS", False, boolean, env=True, doc="STARTTLS to the SMTP server"),
    Setting("MAIL_TIMEOUT", 10, int, env=True, doc="seconds the background sender waits for the mail server"),
    Setting("MAIL_DEFAULT_SENDER", SENDER, env=True, doc="the From of the app's mail"),
    Setting(
        "TRUSTED_PROXIES",
        0,
        int,
        env=True,
        doc="how many reverse proxies in front set X-Forwarded-For/-Proto/-Host (1 behind one nginx); 0: ignored",
    ),
    Setting(
        "PHOTOS_ACCEL_PREFIX",
        None,
        env=True,
        doc="behind nginx: the internal location photos are handed to (X-Accel-Redirect) after the access check",
    ),
    Setting("WEBHOOK_URL", None, env=True, doc="the store's address for listing events (POST); unset: no events"),
    Setting("WEBHOOK_SECRET", None, env=True, doc="the key of the events' X-Flea-Signature (HMAC-SHA256)"),
    Setting("WEBHOOK_TIMEOUT", 5.0, float, env=True, doc="seconds to wait for the store to answer an event"),
    Setting("LISTING_DAYS", 60, int, env=True, doc="days an Approved listing stays on sale before it expires"),
    Setting("HOST", "127.0.0.1", env=True, doc="the address `python app.py` listens on"),
    Setting("PORT", 5000, int, env=True, doc="the port `python app.py` listens on"),
    Setting(
        "PUBLIC_URL",
        lambda c: local_url(c["HOST"], c["PORT"]),
        env=True,
        doc="the site's address, in mails, feeds and canonical links; unset: HOST and PORT (a warning in production)",
    ),
    Setting("LOG_FORMAT", "plain", env=True, doc="`json`: each request's log line as one JSON object"),
    Setting(
        "METRICS_ALLOW",
        "127.0.0.1,::1",
        env=True,
        doc="comma-separated addresses or networks (CIDR) that may read /metrics; others get 404",
    ),
    # ------------------------------------------------ the app's own
    Setting("STORE_NAME", None, doc="the store's name in the header and titles (else the translated word Store)"),
    Setting("SHOWCASE_PAGE_SIZE", 24, int, doc="listings per showcase page"),
    Setting("HOME_COLLECTION_SIZE", 8, int, doc="listings in the home page's Flea market collection"),
    Setting("SHOWCASE_COUNT_TTL", 30, int, doc="seconds a showcase's count of matches is reused"),
    Setting("STAGED_PHOTO_TTL", 86400, int, doc="seconds a photo chosen on a refused form is kept for its next submit"),
    Setting(
        "UPGRADE_SCHEMA_AT_START",
        False,
        same,
        doc="apply pending migrations when the app is made (`python app.py` does), instead of refusing to serve",
    ),
    Setting("COMMENT_MAX_LENGTH", 2000, int, doc="the item page's comment box limit"),
    Setting("COMMENT_RATE_LIMIT", "5 per minute", doc="comments per user (or address) as a Flask-Limiter limit"),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "10 per 10 minutes", doc="login attempts per account and address"),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "60 per 10 minutes", doc="login attempts per address, all accounts"),
    Setting("LANGUAGES", ["en", "ru"], same, doc="the switcher's choices; each but English has a catalog"),
    Setting(
        "DEVELOPMENT",
        False,
        same,
        doc="set by `python app.py`: no warnings about settings production needs (see production_warnings)",
    ),
    Setting("HEALTH_CHECK_TIMEOUT", 2.0, float, doc="seconds each check of /healthz may take (database, Redis)"),
    Setting("API_RATE_LIMIT", "600 per minute", doc="store connector API requests per key (or address), Flask-Limiter"),
    Setting("API_MAX_JSON_LENGTH", 1024 * 1024, int, doc="largest JSON body the API reads (photos: 10 MB)"),
    Setting("API_PAGE_SIZE", 20, int, doc="listings per page of GET /api/v1/listings"),
    Setting("API_TITLE", "Flea Market store connector", doc="flask-smorest: the OpenAPI document's title"),
    Setting("API_VERSION", "v1", doc="flask-smorest: the OpenAPI document's version"),
    Setting("OPENAPI_VERSION", "3.0.3", doc="flask-smorest: the OpenAPI version of the document"),
    Setting("OPENAPI_URL_PREFIX", "/api/v1", doc="flask-smorest: where the document is served"),
    Setting("OPENAPI_JSON_PATH", "openapi.json", doc="flask-smorest: the document's file name"),
    # ------------------------------------------------ Flask and its extensions
    Setting("MAX_CONTENT_LENGTH", 12 * 1024 * 1024, int, doc="largest request: a 10 MB photo plus the form around it"),
    Setting("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS, doc="our catalogs"),
    Setting("BABEL_DEFAULT_TIMEZONE", lambda c: c["TIMEZONE"], doc="Flask-Babel's zone for shown times: TIMEZONE"),
    Setting("WTF_CSRF_TIME_LIMIT", None, same, doc="a CSRF token lives as long as the session"),
    Setting("SESSION_COOKIE_HTTPONLY", True, same),
    Setting("SESSION_COOKIE_SAMESITE", "Lax"),
    Setting("REMEMBER_COOKIE_SAMESITE", "Lax"),
    Setting(
        "SESSION_COOKIE_NAME",
        "session",
        doc="the session cookie; a request with it is never served from the page cache",
    ),
    Setting("REMEMBER_COOKIE_NAME", "remember_token", doc="Flask-Login's remember-me cookie: likewise"),
    Setting("REMEMBER_COOKIE_HTTPONLY", True, same),
    Setting("SEND_FILE_MAX_AGE_DEFAULT", 3600, int, doc="seconds browsers keep static files"),
    Setting(
        "RATELIMIT_STORAGE_URI",
        lambda c: c["REDIS_URL"] or "memory://",
        doc="Flask-Limiter's storage: REDIS_URL when set",
    ),
    Setting("RATELIMIT_HEADERS_ENABLED", False, same),
    Setting(
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
        True,
        same,
        doc="Redis down: count in this worker's memory (a warning is logged) rather than fail requests",
    ),
    Setting(
        "RATELIMIT_STORAGE_OPTIONS",
        lambda c: {"socket_connect_timeout": 1, "socket_timeout": 1} if c["REDIS_URL"] else {},
        same,
        doc="a frozen Redis costs a request a second, not a hung worker",
    ),
    Setting("SECURITY_PASSWORD_HASH", "argon2"),
    Setting("SECURITY_PASSWORD_SINGLE_HASH", True, same, doc="plain argon2: rotating SECRET_KEY locks nobody out"),
    Setting(
        "SECURITY_PASSWORD_SALT",
        lambda c: "salt:" + c["SECRET_KEY"][:32],
        doc="salts Flask-Security's tokens (confirm, reset) only; derived from SECRET_KEY",
    ),
    Setting("SECURITY_REGISTERABLE", True, same),
    Setting("SECURITY_SEND_REGISTER_EMAIL", True, same),
    Setting("SECURITY_CHANGEABLE", True, same),
    Setting("SECURITY_RECOVERABLE", True, same, doc="Forgot password? at /reset, by a link in the mail"),
    Setting("SECURITY_USERNAME_ENABLE", True, same),
    Setting("SECURITY_USERNAME_REQUIRED", True, same),
    Setting("SECURITY_USERNAME_MIN_LENGTH", 3, int, doc="the demo login `bob` has three letters"),
    Setting("SECURITY_USERNAME_MAX_LENGTH", 32, int),
    Setting("SECURITY_EMAIL_VALIDATOR_ARGS", {"check_deliverability": False}, same, doc="no DNS lookups"),
    Setting("SECURITY_POST_LOGIN_VIEW", "/"),
    Setting("SECURITY_POST_REGISTER_VIEW", "/"),
    Setting("SECURITY_POST_LOGOUT_VIEW", "/"),
    Setting("SECURITY_LOGOUT_METHODS", ["POST"], same),
    Setting("SECURITY_EMAIL_SENDER", SENDER),
    Setting("SECURITY_FLASH_MESSAGES", True, same),
    Setting(
        "SECURITY_CACHE_CONTROL",
        {"private": None, "no-store": None},
        same,
        doc="Werkzeug writes None as a bare directive (`private, no-store`); True would give `private=True`",
    ),
    Setting(
        "SECURITY_I18N_DIRNAME",
        ["builtin", TRANSLATIONS],
        same,
        doc="Flask-Security's own catalogs, then ours (flask_security.po) for a few better words",
    ),
]

BY_NAME = {setting.name: setting for setting in SETTINGS}


def load(overrides=None, environ=None):
    """The whole configuration: defaults, then the environment, then `overrides`.

    `DEFAULTED` lists the settings nobody gave a value (for `production_warnings`).
    """
    overrides = dict(overrides or {})
    environ = os.environ if environ is None else environ
    config = {}
    defaulted = set()
    for setting in SETTINGS:
        if setting.name in overrides:
            value = overrides[setting.name]
        elif setting.env and environ.get(setting.name):
            value = setting.parse(environ[setting.name])
        elif callable(setting.default):
            value = None
        else:
            value = setting.default
            defaulted.add(setting.name)
        if callable(setting.default) and not value:
            defaulted.add(setting.name)
            value = setting.default(config)
        config[setting.name] = value
    # A bad zone given in code (create_app's config) is refused like one from the environment.
    config["TIMEZONE"] = config["BABEL_DEFAULT_TIMEZONE"] = timezone_name(config["TIMEZONE"])
    if config["BABEL_DEFAULT_LOCALE"] not in config["LANGUAGES"]:
        raise ValueError(
            f"BABEL_DEFAULT_LOCALE={config['BABEL_DEFAULT_LOCALE']!r} is not one of the languages "
            f"({', '.join(config['LANGUAGES'])})"
        )
    # Anything else (TESTING, a test's own switches) goes to Flask as given.
    config.update({k: v for k, v in overrides.items() if k not in BY_NAME})
    config["DEFAULTED"] = frozenset(defaulted)
    return config


def local_url(host, port):
    """The address `python app.py` serves on, as a browser on this machine reaches it."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def is_development(app):
    """Development is `python app.py` (it sets DEVELOPMENT), Flask's debug mode or the tests.

    Everything else (gunicorn running `create_app()`, `flask --app app` commands
    beside it) counts as production.
    """
    return bool(app.config["DEVELOPMENT"] or app.debug or app.testing)


def production_warnings(app):
    """What production lacks, one sentence each (logged at start by `web.init_app`)."""
    if is_development(app):
        return []
    config = app.config
    found = []
    if "PUBLIC_URL" in config["DEFAULTED"]:
        found.append(
            f"PUBLIC_URL is not set: links in mails and feeds point to {config['PUBLIC_URL']}. "
            "Set PUBLIC_URL to the site's public address."
        )
    if not config["MAIL_SERVER"]:
        found.append(
            "MAIL_SERVER is not set: mail is written as .eml files to instance/outbox/ and reaches nobody. "
            "Set MAIL_SERVER in production."
        )
    return found
