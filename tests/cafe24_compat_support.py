"""Support for the Cafe24 compatibility suite: load Cafe24's documented examples and compare.

The examples live in ``tests/cafe24_examples/<chapter>.json``, one file per chapter of the public
Cafe24 API reference as mirrored in ``noston/cafe24-api-spec`` (``cafe24_chapters/<chapter>.md``):
each example names its heading, holds the documented request and response, and the status
Cafe24 answers it with. Where authserver deliberately differs, the chapter's ``differences``
names the key (``search_keyword``, ``manager_information[].no``, ``@links`` for a key beside the
records) with the reason; nothing else may differ.

``compare`` checks an answer against an example: the same keys at every level, and the same
JSON types, with Cafe24's string types told apart (a ``"T"``/``"F"`` flag, a decimal string
such as ``"1100.00"``, a date ``YYYY-MM-DD``, a date-time with the same offset, ``+09:00``).
A ``null`` or ``""`` on either side matches any type: Cafe24 itself answers ``null`` for an
unset field, and its examples leave some values empty.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).parent / "cafe24_examples"
REPOSITORY = "noston/cafe24-api-spec"

_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)")
_TOKEN_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_NUMERIC = re.compile(r"-?\d+(\.\d+)?")
_FLAG = re.compile(r"[A-Z]{1,2}")


@dataclass(frozen=True)
class Example:
    chapter: str
    heading: str
    request: dict[str, Any]
    status: int
    response: Any
    differences: dict[str, str] = field(default_factory=dict)
    needs: str | None = None
    #: For a heading the mirror shows no example for: ``{"wrapper", "attributes", "flags"}``
    #: from the chapter's documented property list.
    properties: dict[str, Any] | None = None
    #: Fields of the documented request authserver does not store: field -> reason.
    request_differences: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """Where the example is documented: ``cafe24_chapters/brands.md § Create a brand``."""
        return f"{REPOSITORY}: cafe24_chapters/{self.chapter} § {self.heading}"

    @property
    def label(self) -> str:
        return f"{self.chapter.removesuffix('.md')}: {self.heading}"


def load(resource_filter: str | None = None) -> list[Example]:
    """Every example of every chapter file (or only the OAuth or only the Admin API ones)."""
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        chapter = json.loads(path.read_text(encoding="utf-8"))
        is_oauth = chapter["resource"] == "oauth"
        if resource_filter == "oauth" and not is_oauth:
            continue
        if resource_filter == "admin" and is_oauth:
            continue
        for item in chapter["examples"]:
            examples.append(
                Example(
                    chapter=chapter["chapter"],
                    heading=item["heading"],
                    request=item["request"],
                    status=item["status"],
                    response=item.get("response"),
                    properties=item.get("properties"),
                    request_differences=item.get("request_differences", {}),
                    differences={**chapter["differences"], **item.get("differences", {})},
                    needs=item.get("needs") or chapter.get("needs"),
                )
            )
    return examples


def kind(value: Any, *, offset: str | None = None) -> str:
    """The type of a JSON value as Cafe24's documents distinguish them."""
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if value in ("T", "F"):
        return "flag"
    match = _DATETIME.fullmatch(value)
    if match:
        return f"date-time{match.group(1)}"
    if _TOKEN_TIME.fullmatch(value):
        return "token-time"
    if _DATE.fullmatch(value):
        return "date"
    if _DECIMAL.fullmatch(value):
        return "decimal"
    return "string"


def _matches(documented: Any, served: Any) -> bool:
    want, got = kind(documented), kind(served)
    if "unset" in (want, got) or want == got:
        return True
    if want == "flag":  # a one-letter code: Cafe24's T/F, or another letter of the same enum
        return isinstance(served, str) and bool(_FLAG.fullmatch(served))
    if want == "decimal":  # "1100.00", or a whole amount written "1100"
        return isinstance(served, str) and bool(_NUMERIC.fullmatch(served))
    # A free-text value that happens to look like a code, a date or a number.
    return want == "string" and isinstance(served, str)


def compare(documented: Any, served: Any, differences: dict[str, str]) -> list[str]:
    """Every way ``served`` departs from the documented answer, outside ``differences``."""
    problems: list[str] = []
    if isinstance(documented, dict) and isinstance(served, dict):
        wrappers = [k for k, v in documented.items() if isinstance(v, dict | list)]
        _keys(documented, served, "@", differences, problems)
        for key in wrappers:
            if key in served and f"@{key}" not in differences:
                _value(documented[key], served[key], "", key, differences, problems)
        for key in documented.keys() - set(wrappers):
            if key in served and not _matches(documented[key], served[key]):
                problems.append(f"@{key}: {kind(served[key])}, documented {kind(documented[key])}")
        return problems
    if not _matches(documented, served):
        problems.append(f"answer: {kind(served)}, documented {kind(documented)}")
    return problems


def _keys(documented: dict, served: dict, prefix: str, differences: dict, problems: list) -> None:
    named = {key: f"{prefix}{key}" for key in documented.keys() | served.keys()}
    missing = [named[k] for k in documented.keys() - served.keys() if named[k] not in differences]
    extra = [named[k] for k in served.keys() - documented.keys() if named[k] not in differences]
    if missing:
        problems.append(f"missing keys: {sorted(missing)}")
    if extra:
        problems.append(f"undocumented keys: {sorted(extra)}")


def _value(documented, served, prefix, where, differences, problems) -> None:
    if isinstance(documented, list):
        if not isinstance(served, list):
            if kind(served) != "unset":
                problems.append(f"{where}: {kind(served)}, documented array")
            return
        if documented and not served and prefix == "":
            problems.append(f"{where}: empty, documented {len(documented)} record(s)")
        if documented:
            for item in served:
                _value(documented[0], item, prefix, f"{where}[]", differences, problems)
        return
    if isinstance(documented, dict):
        if not isinstance(served, dict):
            if kind(served) != "unset":
                problems.append(f"{where}: {kind(served)}, documented object")
            return
        _keys(documented, served, prefix, differences, problems)
        for key in documented.keys() & served.keys():
            name = f"{prefix}{key}"
            if name not in differences:
                child = f"{name}[]." if isinstance(documented[key], list) else f"{name}."
                _value(documented[key], served[key], child, name, differences, problems)
        return
    if not _matches(documented, served):
        problems.append(f"{where}: {kind(served)} {served!r}, documented {kind(documented)}")


def compare_properties(properties: dict[str, Any], served: Any, differences: dict[str, str]):
    """An answer against a chapter's property list: every key one it documents, flags T/F."""
    wrapper = properties["wrapper"]
    if not isinstance(served, dict) or set(served) != {wrapper}:
        return [f"answer keys {sorted(served) if isinstance(served, dict) else served!r}, "
                f"documented {wrapper!r}"]  # fmt: skip
    records = served[wrapper] if isinstance(served[wrapper], list) else [served[wrapper]]
    documented, flags = set(properties["attributes"]), set(properties.get("flags", ()))
    problems = []
    for record in records:
        extra = sorted(set(record) - documented - set(differences))
        if extra:
            problems.append(f"undocumented keys: {extra}")
        bad = sorted(k for k in flags & set(record) if record[k] not in ("T", "F", None))
        if bad:
            problems.append(f"flags not T/F: {bad}")
    if not records:
        problems.append(f"{wrapper}: no record to check")
    return problems
