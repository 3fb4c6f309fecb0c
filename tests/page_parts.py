"""An HTML page's parts that the page tests read (the standard library's parser): code samples,
tables' rows, links and the assets it loads."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """The parts of a page the tests read: samples, tables' rows, links and assets."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.samples: list[tuple[str, str, str]] = []  # (kind, id, text)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.rows: dict[str, list[list[str]]] = {}
        self._sample: list | None = None
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "pre" and "data-sample" in attrs:
            self._sample = [attrs["data-sample"], attrs.get("id", ""), ""]
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        if tag == "table":
            self._table = attrs.get("id", "")
            self.rows[self._table] = []
        if tag == "tr" and self._table is not None:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "pre" and self._sample is not None:
            self.samples.append(tuple(self._sample))
            self._sample = None
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.rows[self._table].append(self._row)
            self._row = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._sample is not None:
            self._sample[2] += data
        if self._cell is not None:
            self._cell.append(data)
