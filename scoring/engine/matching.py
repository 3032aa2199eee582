"""Matching posts to topics, explainably. Pure Python: no Django, no I/O.

A post is about a topic when it uses one of the topic's *strong* terms (an alias, one of its
hashtags, or a tag the network gave the post), or at least two *different* of the topic's
keywords. A topic's display name is not a term by itself: everyday names ("Running", "Tea",
"Sales") would match "running late" or "a bake sale"; the curated aliases say which names
are unambiguous. Terms match whole words and whole phrases only, after the same
normalisation on both sides:

- Unicode compatibility forms are unified (NFKC: full-width letters, ligatures), case is
  folded the Unicode way (``Straße`` -> ``strasse``) and diacritics are dropped
  (``fútbol`` -> ``futbol``, ``café`` -> ``cafe``);
- apostrophes vanish inside words (``marketer's`` -> ``marketers``);
- the post's language is detected from its own words (``scoring/engine/language.py``), and
  each word, in the post and in the terms alike, is reduced by that language's folding rule:
  regular plurals to the singular in English (``tubs`` -> ``tub``, ``bodies`` -> ``body``),
  Spanish and Portuguese (``ciudades`` -> ``ciudad``) and French (``bateaux`` -> ``bateau``);
  other languages fold case and diacritics only.

So ``hot`` never matches the phrase ``hot tub``, ``Cubano`` is not ``Cuba``, and
``#Bourbon`` matches the hashtag ``bourbon``. Every match lists the terms that made it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scoring.engine.language import DEFAULT_LANGUAGE, detect_language, word_fold

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
HASHTAG_RE = re.compile(r"(?<![\w#])#([^\W_][\w]*)", re.UNICODE)
APOSTROPHES = str.maketrans("", "", "'’ʼ`´")

STRONG = ("hashtag", "tag", "alias")
KEYWORDS_NEEDED = 2


def fold_text(text: str) -> str:
    """Compatibility forms, case and diacritics folded; apostrophes removed."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(APOSTROPHES)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    fold = word_fold(language)
    return tuple(fold(w) for w in WORD_RE.findall(fold_text(text)))


def hashtag_key(tag: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A hashtag or tag as compared: folded, without '#' or '_', plural folded."""
    folded = fold_text(tag.lstrip("#")).replace("_", "")
    return word_fold(language)(folded)


@dataclass(frozen=True)
class TopicTerms:
    """What identifies one topic in text."""

    topic: int
    aliases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """A post is about ``topic`` because of ``terms``: (how, term) pairs, how being one of
    ``hashtag``, ``tag``, ``alias`` or ``keyword``, term as the topic lists it."""

    topic: int
    terms: tuple[tuple[str, str], ...]


class Matcher:
    """Matches many posts against one ontology. The terms are indexed once per language
    met (a term folds like the post it is compared with)."""

    def __init__(self, topics: Iterable[TopicTerms]) -> None:
        self._topics = list(topics)
        self._indexes: dict[str, tuple[dict, dict]] = {}

    def _index(self, language: str) -> tuple[dict, dict]:
        """(hashtag key -> [(topic, tag)], first word -> [(phrase, topic, how, term)])."""
        if language not in self._indexes:
            hashtags: dict[str, list[tuple[int, str]]] = {}
            phrases: dict[str, list[tuple[tuple[str, ...], int, str, str]]] = {}
            for t in self._topics:
                for tag in t.hashtags:
                    key = hashtag_key(tag, language)
                    if key:
                        hashtags.setdefault(key, []).append((t.topic, tag))
                for how, terms in (("alias", t.aliases), ("keyword", t.keywords)):
                    for term in terms:
                        phrase = words(term, language)
                        if phrase:
                            phrases.setdefault(phrase[0], []).append((phrase, t.topic, how, term))
            self._indexes[language] = (hashtags, phrases)
        return self._indexes[language]

    def match(
        self, text: str | None, tags: Sequence[str] = (), *, language: str | None = None
    ) -> list[Match]:
        """The topics the post is about, in topic order, each with the terms that matched.
        The language is detected from the post's words unless given."""
        text = text or ""
        language = language or detect_language(WORD_RE.findall(fold_text(text)))
        hashtags, phrases = self._index(language)
        found: dict[int, dict[tuple[str, str], None]] = {}
        in_text = [hashtag_key(h, language) for h in HASHTAG_RE.findall(text)]
        given = [hashtag_key(t, language) for t in tags]
        for how, keys in (("hashtag", in_text), ("tag", given)):
            for key in keys:
                for topic, tag in hashtags.get(key, ()):
                    found.setdefault(topic, {})[(how, tag)] = None
        tokens = words(text, language)
        for i, token in enumerate(tokens):
            for phrase, topic, how, term in phrases.get(token, ()):
                if tokens[i : i + len(phrase)] == phrase:
                    found.setdefault(topic, {})[(how, term)] = None
        matches = []
        for topic in sorted(found):
            terms = _explained(found[topic], language)
            strong = any(how in STRONG for how, _ in terms)
            keywords = sum(1 for how, _ in terms if how == "keyword")
            if strong or keywords >= KEYWORDS_NEEDED:
                matches.append(Match(topic, terms))
        return matches


def _explained(terms: dict[tuple[str, str], None], language: str) -> tuple[tuple[str, str], ...]:
    """Each term once, strongest kind first: ``#Bourbon`` is explained as the hashtag, not
    also as the alias "bourbon"; "Hot Tubs" and "hot tub" are the same words."""
    seen: set[str] = set()
    out = []
    order = {"hashtag": 0, "tag": 1, "alias": 2, "keyword": 3}
    for how, term in sorted(terms, key=lambda ht: (order[ht[0]], ht[1])):
        if how in ("hashtag", "tag"):
            key = hashtag_key(term, language)
        else:
            key = "".join(words(term, language))
        if key in seen:
            continue
        seen.add(key)
        out.append((how, term))
    return tuple(out)


def with_ancestors(topics: Iterable[int], parent: dict[int, int | None]) -> list[int]:
    """The topics and all their ancestors, each once, in a stable order: a post about
    "Social Media Marketing" is also evidence for "Marketing"."""
    out: dict[int, None] = {}
    for topic in topics:
        node: int | None = topic
        depth = 0
        while node is not None and node not in out and depth < 16:
            out[node] = None
            node = parent.get(node)
            depth += 1
    return list(out)
