"""The configuration table: the README lists what operators set, and nobody else keeps a default."""

import ast
import os
import re

import pytest

from web import config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCANNED = ("app.py", "models", "public", "admin_views", "web")
# Files another change is rewriting; each still reads a setting with an inline default.
# The test below fails as soon as one no longer does: then drop it from here.
PENDING = set()
# Keys the app writes itself at start-up rather than reads from the table.
WRITTEN = {"DATABASE", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "DEFAULTED"}


def readme_settings():
    """The names in the first column of the README's Configuration table."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or set(cells[0]) <= {"-"} or cells[0] == "variable":
            continue
        assert cells[1] and cells[2], f"README row without a meaning or a default: {line}"
        names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]))
    return names


def test_readme_table_is_the_environment_settings():
    from_env = {s.name for s in config.SETTINGS if s.env}
    readme = readme_settings()
    assert sorted(readme - from_env) == [], "in the README but not read from the environment"
    assert sorted(from_env - readme) == [], "read from the environment but missing from the README"


def test_every_setting_has_one_row():
    names = [s.name for s in config.SETTINGS]
    assert len(names) == len(set(names))


def _python_files():
    for entry in SCANNED:
        path = os.path.join(ROOT, entry)
        if path.endswith(".py"):
            yield entry
            continue
        for folder, _dirs, files in os.walk(path):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


def _inline_defaults(relpath):
    """`config.get("X", default)` calls in a file: (line, name)."""
    with open(os.path.join(ROOT, relpath), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"):
            continue
        owner = node.func.value
        is_config = (isinstance(owner, ast.Attribute) and owner.attr == "config") or (
            isinstance(owner, ast.Name) and owner.id in ("config", "cfg")
        )
        if is_config and (len(node.args) >= 2 or node.keywords):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_inline_defaults_outside_the_table():
    offenders = {path: calls for path in _python_files() if (calls := _inline_defaults(path))}
    assert sorted(set(offenders) - PENDING) == [], offenders
    assert sorted(PENDING - set(offenders)) == [], "no inline default left: remove it from PENDING"


def _keys_read(text):
    patterns = (r"config\[\s*[\"']([A-Z][A-Z0-9_]*)[\"']\s*\]", r"config\.get\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
    patterns += (r"\bconfig\.([A-Z][A-Z0-9_]+)\b",)
    return {name for pattern in patterns for name in re.findall(pattern, text)}


def test_every_setting_read_is_in_the_table():
    files = list(_python_files())
    for folder, _dirs, names in os.walk(os.path.join(ROOT, "templates")):
        files += [os.path.relpath(os.path.join(folder, n), ROOT) for n in names]
    read = set()
    for relpath in files:
        with open(os.path.join(ROOT, relpath), encoding="utf-8") as fh:
            read |= _keys_read(fh.read())
    assert sorted(read - set(config.BY_NAME) - WRITTEN) == []


def test_environment_is_parsed_and_empty_means_unset(tmp_path):
    env = {
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "k" * 40,
        "MAIL_PORT": "2525",
        "MAIL_USE_TLS": "Yes",
        "COOKIE_SECURE": "0",
        "PORT": "8080",
        "CURRENCY": "",
        "SHOWCASE_PAGE_SIZE": "3",  # not an environment setting: ignored
    }
    cfg = config.load(environ=env)
    assert cfg["MAIL_PORT"] == 2525 and cfg["PORT"] == 8080
    assert cfg["MAIL_USE_TLS"] is True and cfg["COOKIE_SECURE"] is False
    assert cfg["CURRENCY"] == "RUB"
    assert cfg["SHOWCASE_PAGE_SIZE"] == 24
    assert cfg["DATABASE_URL"] == "sqlite:///" + os.path.join(str(tmp_path), "flea_market.db")
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    assert cfg["SECURITY_PASSWORD_SALT"] == "salt:" + "k" * 32


def test_overrides_win_and_derived_settings_follow(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path / "env"), "REDIS_URL": "redis://env:6379/0", "SECRET_KEY": "from-env"}
    cfg = config.load({"INSTANCE_PATH": str(tmp_path / "given"), "SECRET_KEY": "given", "TESTING": True}, environ=env)
    assert cfg["INSTANCE_PATH"] == str(tmp_path / "given")
    assert cfg["SECRET_KEY"] == "given"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://env:6379/0"
    assert cfg["TESTING"] is True


def test_missing_secret_key_is_generated_once_into_the_instance(tmp_path):
    first = config.load(environ={"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    again = config.load(environ={"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert len(first) == 64 and first == again
    assert (tmp_path / "secret_key").read_text().strip() == first


@pytest.mark.parametrize("setting", [s for s in config.SETTINGS if s.env], ids=lambda s: s.name)
def test_environment_settings_have_a_meaning(setting):
    assert setting.doc
