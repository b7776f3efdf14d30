"""The README's lifecycle table says what `lifecycle.MOVES` does."""

import os
import re

from models import ListingStatus, lifecycle

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def _table_after(heading_line):
    with open(README, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    start = lines.index(heading_line)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _statuses(text):
    by_label = {str(label): status for status, label in ListingStatus.LABELS.items()}
    return {by_label[part.strip()] for part in text.split(",")}


def test_readme_lifecycle_table_matches_moves(app):
    rows = _table_after("| move | by | from | to |")
    documented = {}
    for move_cell, by, sources, target in rows:
        name = re.match(r"`(\w+)`", move_cell).group(1)
        documented[name] = (by, sources, target)
    assert set(documented) == set(lifecycle.MOVES) | {lifecycle.PUT_UP}
    for name, move in lifecycle.MOVES.items():
        by, sources, target = documented[name]
        assert by == move.by, name
        assert _statuses(sources) == set(move.sources), name
        if move.target is None:
            assert target == "(unchanged)", name
        else:
            assert _statuses(target) == {move.target}, name
