"""Matching posts to topics: whole words, normalisation, and the explanation."""

from __future__ import annotations

from scoring.engine.matching import Matcher, TopicTerms, fold_text, with_ancestors, words

HOT_TUBS, CUBA, BOURBON, FOOTBALL, SMM, MARKETING, RUNNING = 1, 2, 3, 4, 5, 6, 7
TOPICS = [
    TopicTerms(HOT_TUBS, aliases=("Hot Tubs", "hot tub", "jacuzzi"), hashtags=("hottub",)),
    TopicTerms(RUNNING, aliases=("jogging",), keywords=("running", "marathon", "pace")),
    TopicTerms(CUBA, aliases=("Cuba",), hashtags=("cuba",), keywords=("havana", "malecon")),
    TopicTerms(
        BOURBON,
        aliases=("Bourbon",),
        hashtags=("bourbon",),
        keywords=("mash bill", "rickhouse", "barrel proof", "kentucky straight"),
    ),
    TopicTerms(FOOTBALL, aliases=("Football", "soccer", "fútbol"), hashtags=("football",)),
    TopicTerms(SMM, aliases=("Social Media Marketing",), hashtags=("social_media_marketing",)),
    TopicTerms(MARKETING, aliases=("Marketing",), keywords=("brand awareness", "funnel")),
]
MATCHER = Matcher(TOPICS)


def topics_of(text: str, tags=()) -> dict[int, tuple]:
    return {m.topic: m.terms for m in MATCHER.match(text, tags)}


def test_match_hot_alone_is_not_hot_tubs():
    assert HOT_TUBS not in topics_of("Hot take: the hottest summer tub of ice cream")
    # "Hot Tubs" and "hot tub" are the same words: explained once
    assert topics_of("Relaxing in our new hot tubs tonight")[HOT_TUBS] == (("alias", "Hot Tubs"),)


def test_match_everyday_words_are_keywords_not_names():
    assert RUNNING not in topics_of("Running late again, sorry")
    assert topics_of("Running my first marathon")[RUNNING] == (
        ("keyword", "marathon"),
        ("keyword", "running"),
    )


def test_match_whole_words_only():
    assert CUBA not in topics_of("Cubano sandwiches and incubation periods")
    assert CUBA in topics_of("Back from Cuba!")
    assert FOOTBALL not in topics_of("footballer")


def test_match_accents_case_and_compatibility_forms_fold():
    assert topics_of("¡Qué partido de FÚTBOL!")[FOOTBALL] == (("alias", "fútbol"),)
    assert FOOTBALL in topics_of("futbol esta noche")
    assert FOOTBALL in topics_of("ｓｏｃｃｅｒ practice")  # full-width letters
    assert fold_text("Straße Café") == "strasse cafe"


def test_match_english_plurals_fold_both_ways():
    assert words("Tubs, bodies, beaches") == ("tub", "body", "beach")
    assert words("analysis tennis class bus") == ("analysis", "tennis", "class", "bus")
    assert HOT_TUBS in topics_of("two hot tubs")
    assert HOT_TUBS in topics_of("one jacuzzi")


def test_match_hashtags_and_tags_are_strong_and_explained():
    assert topics_of("Tea time #Bourbon")[BOURBON] == (("hashtag", "bourbon"),)
    assert topics_of("A quiet evening", tags=["bourbon"])[BOURBON] == (("tag", "bourbon"),)
    # a hashtag found in the text and listed as a tag is explained once
    assert topics_of("#bourbon", tags=["bourbon"])[BOURBON] == (("hashtag", "bourbon"),)
    # underscores and plurals in hashtags fold
    assert SMM in topics_of("#SocialMediaMarketing tips")


def test_match_one_keyword_is_not_enough_two_different_are():
    assert BOURBON not in topics_of("Touring a rickhouse today")
    assert BOURBON not in topics_of("rickhouse, rickhouse, rickhouses")
    terms = topics_of("The mash bill matters more than the rickhouse")[BOURBON]
    assert terms == (("keyword", "mash bill"), ("keyword", "rickhouse"))


def test_match_multiword_keywords_need_the_whole_phrase():
    assert MARKETING not in topics_of("brand new funnel cake")
    assert MARKETING in topics_of("brand awareness at the top of the funnel")


def test_match_names_inside_hashtag_words_do_not_count_as_words():
    assert CUBA not in topics_of("#cubalibre cocktail")


def test_match_empty_and_none_text():
    assert MATCHER.match("", ()) == []
    assert MATCHER.match(None, ()) == []


def test_with_ancestors_adds_each_once_and_stops_at_the_root():
    parent = {1: None, 2: 1, 3: 2, 4: 1}
    assert with_ancestors([3, 4], parent) == [3, 2, 1, 4]
    assert with_ancestors([], parent) == []


def test_language_detected_from_the_posts_words():
    from scoring.engine.language import detect_language
    from scoring.engine.matching import WORD_RE

    def lang(text):
        return detect_language(WORD_RE.findall(fold_text(text)))

    assert lang("Las mejores ciudades de la costa para el verano") == "es"
    assert lang("Le meilleur café de la ville est dans le quartier") == "fr"
    assert lang("The best coffee in the city is in this street") == "en"
    assert lang("Der Kaffee und die Stadt") == "de"
    assert lang("#coffee") == "en"  # too little to tell: English


def test_match_folds_plurals_the_posts_language_way():
    ciudad = Matcher([TopicTerms(1, aliases=("ciudad",)), TopicTerms(2, aliases=("bateau",))])
    assert [m.topic for m in ciudad.match("Las mejores ciudades de la costa")] == [1]
    # the same word in an English post folds the English way, and does not match
    assert ciudad.match("Ciudades and towns of the coast") == []
    assert [m.topic for m in ciudad.match("Les bateaux sont dans le port")] == [2]
    assert [m.topic for m in ciudad.match("ciudades", language="es")] == [1]
