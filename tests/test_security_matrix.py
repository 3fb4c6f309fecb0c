"""tests/SECURITY_MATRIX.md stays true: every checklist item has a row, and every test it names
exists (a renamed or deleted test breaks this, not the reader's trust)."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent
ITEMS = (
    [str(n) for n in range(1, 45)]
    + [f"I{n}" for n in range(1, 11)]
    + [f"R{n}" for n in range(1, 12)]
    + ["C1", "C2", "C3", "C4", "F1", "F2", "F3", "L1"]
)


def _rows() -> dict[str, str]:
    rows = {}
    for line in (HERE / "SECURITY_MATRIX.md").read_text().splitlines():
        match = re.match(r"\| (\w+)[ |]", line)
        if match:
            rows.setdefault(match.group(1), line)
    return rows


def test_every_item_has_a_row():
    rows = _rows()
    assert [item for item in ITEMS if item not in rows] == []


def test_every_named_test_exists():
    text = (HERE / "SECURITY_MATRIX.md").read_text()
    missing = []
    for cell in re.findall(r"(test_\w+\.py)((?:(?:::|, ::)\w+(?:\[\w+\])?)+)", text):
        path = HERE / cell[0]
        source = path.read_text() if path.exists() else ""
        for name in re.findall(r"::(\w+)", cell[1]):
            if f"def {name}(" not in source:
                missing.append(f"{cell[0]}::{name}")
    assert missing == []
