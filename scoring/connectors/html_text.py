"""Reading the HTML of fetched pages: the tags of a document's head (a feed's link, a
verification ``<meta>``) and a page's plain text, bounded. Stdlib ``html.parser`` only."""

from __future__ import annotations

from html.parser import HTMLParser

BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre"}


class _Tags(HTMLParser):
    """The start tags of a document, with their attributes (names lowercase)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name.lower(): (value or "") for name, value in attrs}))


def head_tags(document: str) -> list[tuple[str, dict[str, str]]]:
    """The tags of a page's head (the whole page when it has no ``</head>``)."""
    end = document.lower().find("</head>")
    parser = _Tags()
    parser.feed(document if end < 0 else document[:end])
    parser.close()
    return parser.tags


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style") and self.hidden > 0
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def plain(markup: str, limit: int = 4000) -> str:
    """HTML as plain text: tags dropped, entities read, blank runs folded, at most ``limit``
    characters."""
    parser = _Text()
    parser.feed(markup[: limit * 8])
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)[:limit]
