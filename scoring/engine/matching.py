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
- each word is reduced by the language's folding rule. For English (the default) that folds
  regular plurals (``tubs`` -> ``tub``, ``bodies`` -> ``body``, ``beaches`` -> ``beach``);
  other languages fold case and diacritics only.

So ``hot`` never matches the phrase ``hot tub``, ``Cubano`` is not ``Cuba``, and
``#Bourbon`` matches the hashtag ``bourbon``. Every match lists the terms that made it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
HASHTAG_RE = re.compile(r"(?<![\w#])#([^\W_][\w]*)", re.UNICODE)
APOSTROPHES = str.maketrans("", "", "'’ʼ`´")

STRONG = ("hashtag", "tag", "alias")
KEYWORDS_NEEDED = 2


def _english_fold(word: str) -> str:
    """Regular English plurals to the singular; short words and -ss/-us/-is words kept."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _no_fold(word: str) -> str:
    return word


WORD_FOLDS: dict[str, Callable[[str], str]] = {"en": _english_fold}


def fold_text(text: str) -> str:
    """Compatibility forms, case and diacritics folded; apostrophes removed."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(APOSTROPHES)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str, language: str = "en") -> tuple[str, ...]:
    fold = WORD_FOLDS.get(language, _no_fold)
    return tuple(fold(w) for w in WORD_RE.findall(fold_text(text)))


def hashtag_key(tag: str, language: str = "en") -> str:
    """A hashtag or tag as compared: folded, without '#' or '_', plural folded."""
    folded = fold_text(tag.lstrip("#")).replace("_", "")
    return WORD_FOLDS.get(language, _no_fold)(folded)


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
    """Matches many posts against one ontology; build it once per ontology."""

    def __init__(self, topics: Iterable[TopicTerms], *, language: str = "en") -> None:
        self.language = language
        self._hashtags: dict[str, list[tuple[int, str]]] = {}
        # first word -> (phrase words, topic, how, term as listed)
        self._phrases: dict[str, list[tuple[tuple[str, ...], int, str, str]]] = {}
        for t in topics:
            for tag in t.hashtags:
                key = hashtag_key(tag, language)
                if key:
                    self._hashtags.setdefault(key, []).append((t.topic, tag))
            for how, terms in (("alias", t.aliases), ("keyword", t.keywords)):
                for term in terms:
                    phrase = words(term, language)
                    if phrase:
                        self._phrases.setdefault(phrase[0], []).append((phrase, t.topic, how, term))

    def match(self, text: str, tags: Sequence[str] = ()) -> list[Match]:
        """The topics the post is about, in topic order, each with the terms that matched."""
        found: dict[int, dict[tuple[str, str], None]] = {}
        in_text = [hashtag_key(h, self.language) for h in HASHTAG_RE.findall(text or "")]
        given = [hashtag_key(t, self.language) for t in tags]
        for how, keys in (("hashtag", in_text), ("tag", given)):
            for key in keys:
                for topic, tag in self._hashtags.get(key, ()):
                    found.setdefault(topic, {})[(how, tag)] = None
        tokens = words(text or "", self.language)
        for i, token in enumerate(tokens):
            for phrase, topic, how, term in self._phrases.get(token, ()):
                if tokens[i : i + len(phrase)] == phrase:
                    found.setdefault(topic, {})[(how, term)] = None
        matches = []
        for topic in sorted(found):
            terms = _explained(found[topic], self.language)
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
