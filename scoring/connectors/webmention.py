"""W3C Webmention, the receiving end's checks: a site tells us "my page ``source`` links to
your page ``target``", and we believe it only once we have fetched ``source`` ourselves and
found the link in it.

:func:`check_request` is the request's own check (done before queueing): two http(s) URLs,
not the same, not absurdly long. :func:`verify` fetches the source through :mod:`.web`
(bounded, no private addresses) and reads it with the standard library's HTML parser: a link
counts when an ``<a href>``, ``<area href>`` or ``<link href>`` (or an element marked
``u-like-of``, ``u-repost-of`` or ``u-in-reply-to``) resolves, against the source's URL (or its
``<base href>``), to the target: compared with scheme and host lowercase, default port and
fragment dropped. A plain-text source counts when the target's URL is in its text.

What the source says of itself is read from its microformats2 markup, without a library: the
kind from the classes on the linking element or its ancestors within the ``h-entry``
(``u-in-reply-to``: reply, ``u-repost-of``: share, ``u-like-of``: like, otherwise mention; the
strongest when several links qualify), the author from the entry's ``p-author h-card`` (its
``u-url`` and ``p-name``, or the card's own href and text), the time from its
``dt-published``. A nested microformat (a quoted ``h-cite`` and its own author) is not read
as the entry's.

A source that is gone (404, 410) or that no longer links is no mention (None): that is how a
sender deletes one. Other failures raise the :mod:`.web` errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from scoring.connectors import web
from scoring.connectors.web import canonical

MAX_URL = 2048
MAX_BYTES = 1_000_000
ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, */*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml")
KINDS = {"u-in-reply-to": "reply", "u-repost-of": "share", "u-like-of": "like"}
STRENGTH = {"mention": 0, "like": 1, "share": 2, "reply": 3}
LINKING = ("a", "area", "link")
SIBLINGS = {"p", "li", "dt", "dd", "tr", "td", "th", "option"}  # an open one ends at the next
VOID = {
    *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"),
    *("source", "track", "wbr"),
}


@dataclass(frozen=True)
class Mention:
    source: str
    target: str
    kind: str  # "like" | "share" | "reply" | "mention"
    author_url: str | None
    author_name: str | None
    published: datetime | None


def check_request(source: str, target: str) -> None:
    """The W3C receiver's checks on the request itself; ValueError naming the field."""
    for name, value in (("source", source), ("target", target)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} is missing.")
        if len(value) > MAX_URL:
            raise ValueError(f"{name} is longer than {MAX_URL} characters.")
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 (an invalid port raises here)
        except ValueError:
            raise ValueError(f"{name} is not a valid URL.") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{name} must be an http or https URL.")
    if canonical(source) == canonical(target):
        raise ValueError("source and target must be different URLs.")


def verify(source: str, target: str, *, allow_private: bool = False) -> Mention | None:
    """The mention ``source`` makes of ``target``, read from the source as it is now; None
    when it does not (or no longer) link to it."""
    check_request(source, target)
    source, target = source.strip(), target.strip()
    try:
        got = web.fetch(source, max_bytes=MAX_BYTES, accept=ACCEPT, allow_private=allow_private)
    except web.HttpError as error:
        if error.status in (404, 410):  # deleted: the mention goes
            return None
        raise
    wanted = canonical(target)
    if got.content_type == "text/plain":
        found = target in got.text() or wanted in got.text()
        return Mention(source, target, "mention", None, None, None) if found else None
    if got.content_type not in HTML_TYPES and (got.content_type or got.body.lstrip()[:1] != b"<"):
        return None
    root = _Tree.parse(got.text())
    base = next(
        (n.attrs["href"] for n in root.walk() if n.tag == "base" and n.attrs.get("href")), ""
    )
    base = urljoin(got.url, base.strip())
    links = [node for node in root.walk() if _url_of(node, base) == wanted]
    if not links:
        return None
    best = max(links, key=lambda node: STRENGTH[_kind(node)])
    entry = next(
        (n for n in best.lineage() if "h-entry" in n.classes),
        next((n for n in root.walk() if "h-entry" in n.classes), None),
    )
    author_url = author_name = published = None
    if entry is not None:
        author_url, author_name = _author(entry, base)
        published = _published(entry)
    return Mention(source, target, _kind(best), author_url, author_name, published)


# --- a small tree of the page ------------------------------------------------------------------
@dataclass(eq=False)
class _Node:
    tag: str
    attrs: dict[str, str]
    parent: _Node | None = None
    children: list[_Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def is_root(self) -> bool:
        """A microformat of its own (h-entry, h-card, h-cite…)."""
        return any(name.startswith("h-") for name in self.classes)

    def walk(self, *, into_roots: bool = True) -> Iterator[_Node]:
        """The descendants in document order (without recursion: pages nest deep)."""
        stack = [c for c in reversed(self.children) if isinstance(c, _Node)]
        while stack:
            node = stack.pop()
            yield node
            if into_roots or not node.is_root():
                stack.extend(c for c in reversed(node.children) if isinstance(c, _Node))

    def scope(self) -> Iterator[_Node]:
        """The elements whose classes are this microformat's properties: its descendants,
        not looking inside a nested microformat (which is itself one of them)."""
        return self.walk(into_roots=False)

    def lineage(self) -> Iterator[_Node]:
        node: _Node | None = self
        while node is not None:
            yield node
            node = node.parent

    def text(self) -> str:
        parts: list[str] = []
        stack: list[_Node | str] = list(reversed(self.children))
        while stack:
            child = stack.pop()
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "img":
                parts.append(child.attrs.get("alt", ""))
            elif child.tag not in ("script", "style"):
                stack.extend(reversed(child.children))
        return " ".join("".join(parts).split())


class _Tree(HTMLParser):
    """html.parser's events as a tree: void elements are leaves, an end tag closes the
    innermost open element of its name (and what is left open inside it), a stray one is
    ignored, a ``<p>`` or ``<li>`` (…) just inside one of its kind closes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#document", {})
        self.open = [self.root]

    @classmethod
    def parse(cls, document: str) -> _Node:
        tree = cls()
        tree.feed(document)
        tree.close()
        return tree.root

    def handle_starttag(self, tag, attrs):
        if tag in SIBLINGS and self.open[-1].tag == tag:  # <li>one<li>two: siblings
            self.open.pop()
        node = _Node(tag, {k.lower(): (v or "") for k, v in attrs}, self.open[-1])
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_startendtag(self, tag, attrs):
        node = _Node(tag, {k.lower(): (v or "") for k, v in attrs}, self.open[-1])
        self.open[-1].children.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


# --- microformats2, the little read here --------------------------------------------------------
def _u_value(node: _Node, base: str) -> str | None:
    """A ``u-*`` property's URL: href, src, data or value attribute, else the text."""
    for name in ("href", "src", "data", "value"):
        if node.attrs.get(name):
            return urljoin(base, node.attrs[name].strip())
    text = node.text()
    return urljoin(base, text) if text else None


def _url_of(node: _Node, base: str) -> str | None:
    """The canonical URL a node links to, if it is a link or a link-like property."""
    if node.tag in LINKING and node.attrs.get("href"):
        url = urljoin(base, node.attrs["href"].strip())
    elif node.classes & KINDS.keys():
        url = _u_value(node, base)
    else:
        return None
    return canonical(url) if url and urlsplit(url).scheme in ("http", "https") else None


def _kind(node: _Node) -> str:
    for ancestor in node.lineage():
        if "h-entry" in ancestor.classes:
            break
        for name, kind in KINDS.items():
            if name in ancestor.classes:
                return kind
    return "mention"


def _author(entry: _Node, base: str) -> tuple[str | None, str | None]:
    author = next((n for n in entry.scope() if "p-author" in n.classes), None)
    if author is None:
        return None, None
    if "h-card" not in author.classes:
        return None, author.text() or None
    url = next((_u_value(n, base) for n in author.scope() if "u-url" in n.classes), None)
    if url is None:  # the card's implied url: its own href, or its only link's
        anchors = [n for n in author.children if isinstance(n, _Node) and n.tag == "a"]
        href = author.attrs.get("href") or (
            anchors[0].attrs.get("href") if len(anchors) == 1 else ""
        )
        url = urljoin(base, href.strip()) if href else None
    name = next((n.text() for n in author.scope() if "p-name" in n.classes), None)
    name = name or author.attrs.get("alt") or author.text() or None
    url = canonical(url) if url and urlsplit(url).scheme in ("http", "https") else None
    return url, name


def _published(entry: _Node) -> datetime | None:
    node = next((n for n in entry.scope() if "dt-published" in n.classes), None)
    if node is None:
        return None
    value = next((node.attrs[a] for a in ("datetime", "value", "title") if node.attrs.get(a)), "")
    value = (value or node.text()).strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
