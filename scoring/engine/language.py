"""Which language a post is written in, and how each language folds its plurals. Pure.

The language is read from the post's own words: the share of each language's commonest
words (articles, prepositions, pronouns). Short or mixed posts fall back to English. Folding
turns regular plurals into the singular, so a keyword matches both forms; languages whose
plurals are not regular suffixes (German, Italian) fold case and diacritics only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

DEFAULT_LANGUAGE = "en"
VOWELS = frozenset("aeiou")


def _common(words: str) -> frozenset[str]:
    return frozenset(words.split(" "))


# Very common words, already case- and diacritic-folded (as fold_text gives them).
COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": _common("the and is of to in a my for with this that it on you was are i be at have"),
    "es": _common("el la los las de que y en un una es por con para del lo se mi al pero muy"),
    "fr": _common("le la les de des et est un une pour dans que qui avec sur pas du au ce je"),
    "pt": _common("o a os as de que e do da em um uma para com nao no na dos das meu"),
    "it": _common("il lo la gli le di che e un una per con non del della sono nel ho mi"),
    "de": _common("der die das und ist nicht ein eine zu mit den von auf fur ich sich im"),
}
MIN_HITS = 2  # fewer common words than this: too little to tell


def detect_language(tokens: Iterable[str]) -> str:
    """The language whose common words the tokens use most (at least MIN_HITS, strictly
    more than any other), else English."""
    hits = dict.fromkeys(COMMON_WORDS, 0)
    for token in tokens:
        for language, common in COMMON_WORDS.items():
            if token in common:
                hits[language] += 1
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, n), (_, runner_up) = ranked[0], ranked[1]
    return best if n >= MIN_HITS and n > runner_up else DEFAULT_LANGUAGE


def _english(word: str) -> str:
    """Regular English plurals; short words and -ss/-us/-is words kept."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _iberian(word: str) -> str:
    """Spanish and Portuguese: -es after a consonant (ciudades -> ciudad), else -s."""
    if len(word) > 4 and word.endswith("es") and word[-3] not in VOWELS:
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _french(word: str) -> str:
    """French: -s and -x plurals (bateaux -> bateau)."""
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def _no_fold(word: str) -> str:
    return word


WORD_FOLDS: dict[str, Callable[[str], str]] = {
    "en": _english,
    "es": _iberian,
    "pt": _iberian,
    "fr": _french,
}


def word_fold(language: str) -> Callable[[str], str]:
    return WORD_FOLDS.get(language, _no_fold)
