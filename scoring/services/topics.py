"""The topic tree and which posts are about which topic.

The tree comes from a data file the project writes (``scoring/data/topics.json``), loaded by
``python manage.py load_topics``; staff then edit topics in the admin. Posts are matched
against the active tree by ``content_topics_refresh``, which every score run calls first: a
post is matched again whenever the tree changed since it was last matched (the tree's
fingerprint is stored on the post).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction

from scoring.engine.matching import Matcher, TopicTerms
from scoring.errors import TopicFileInvalid
from scoring.models import Content, ContentTopic, Topic
from scoring.models.topics import MAX_TOPIC_DEPTH

DEFAULT_TOPIC_FILE = Path(__file__).resolve().parent.parent / "data" / "topics.json"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HASHTAG_RE = re.compile(r"^[a-z0-9_]+$")
TERM_FIELDS = ("aliases", "hashtags", "keywords")


@dataclass
class TopicLoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


def _terms(node: dict, field: str, where: str) -> list[str]:
    values = node.get(field, [])
    if not isinstance(values, list):
        raise TopicFileInvalid(f"{where}.{field}: expected a list of strings.", field=where)
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise TopicFileInvalid(
                f"{where}.{field}[{i}]: expected a non-empty string, got {value!r}.", field=where
            )
        if field == "hashtags" and not HASHTAG_RE.match(value):
            raise TopicFileInvalid(
                f"{where}.{field}[{i}]: {value!r} is not a hashtag (lower-case letters, "
                "digits, '_', without '#').",
                field=where,
            )
        out.append(value.strip())
    return out


def _flatten(topics: object, where: str, parent: str | None, depth: int, out: list) -> None:
    if not isinstance(topics, list):
        raise TopicFileInvalid(f"{where}: expected a list of topics.", field=where)
    for i, node in enumerate(topics):
        at = f"{where}[{i}]"
        if not isinstance(node, dict):
            raise TopicFileInvalid(f"{at}: expected an object.", field=at)
        slug, name = node.get("slug"), node.get("name")
        if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 60:
            raise TopicFileInvalid(f"{at}.slug: {slug!r} is not a slug (a-z, 0-9, '-').", field=at)
        if not isinstance(name, str) or not name.strip() or len(name) > 120:
            raise TopicFileInvalid(f"{at}.name: expected a name of 1-120 characters.", field=at)
        if depth > MAX_TOPIC_DEPTH:
            raise TopicFileInvalid(
                f"{at}: topics are at most {MAX_TOPIC_DEPTH} levels deep.", field=at
            )
        row = {
            "slug": slug,
            "name": name.strip(),
            "parent": parent,
            "description": str(node.get("description", "")),
            **{field: _terms(node, field, at) for field in TERM_FIELDS},
            "where": at,
        }
        out.append(row)
        _flatten(node.get("children", []), f"{at}.children", slug, depth + 1, out)


def topic_file_read(*, data: dict) -> list[dict]:
    """The topics of a parsed topic file, parents before children, checked: every error
    names the place in the file."""
    if not isinstance(data, dict) or "topics" not in data:
        raise TopicFileInvalid("The file must be an object with a 'topics' list.", field="topics")
    rows: list[dict] = []
    _flatten(data["topics"], "topics", None, 1, rows)
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        keys = [("slug", row["slug"]), ("name", row["name"].casefold())]
        keys += [("hashtag", h) for h in row["hashtags"]]
        for key in keys:
            if key in seen:
                raise TopicFileInvalid(
                    f"{row['where']}: {key[0]} {key[1]!r} is already used at {seen[key]}.",
                    field=row["where"],
                )
            seen[key] = row["where"]
    return rows


@transaction.atomic
def topics_load(*, data: dict, prune: bool = False) -> TopicLoadSummary:
    """Create or update the topics of a topic file, by slug. With ``prune``, topics that are
    not in the file are deactivated (never deleted: scores and +K refer to them). All or
    nothing: a bad file changes nothing."""
    rows = topic_file_read(data=data)
    summary = TopicLoadSummary()
    by_slug = {t.slug: t for t in Topic.objects.select_for_update()}
    for row in rows:
        values = {
            "name": row["name"],
            "parent": by_slug[row["parent"]] if row["parent"] else None,
            "description": row["description"],
            "aliases": row["aliases"],
            "hashtags": row["hashtags"],
            "keywords": row["keywords"],
            "is_active": True,
        }
        topic = by_slug.get(row["slug"])
        try:
            with transaction.atomic():
                if topic is None:
                    by_slug[row["slug"]] = Topic.objects.create(slug=row["slug"], **values)
                    summary.created += 1
                    continue
                changed = [k for k, v in values.items() if getattr(topic, k) != v]
                if not changed:
                    summary.unchanged += 1
                    continue
                for key in changed:
                    setattr(topic, key, values[key])
                topic.save()
                summary.updated += 1
        except IntegrityError:
            raise TopicFileInvalid(
                f"{row['where']}: the name {row['name']!r} belongs to another topic already.",
                field=row["where"],
            ) from None
    if prune:
        listed = {row["slug"] for row in rows}
        summary.deactivated = (
            Topic.objects.filter(is_active=True).exclude(slug__in=listed).update(is_active=False)
        )
    return summary


def topics_load_file(*, path: str | Path = DEFAULT_TOPIC_FILE, prune: bool = False):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise TopicFileInvalid(f"{path}: cannot be read ({error}).") from None
    except json.JSONDecodeError as error:
        raise TopicFileInvalid(
            f"{path}, line {error.lineno}, column {error.colno}: not JSON ({error.msg})."
        ) from None
    return topics_load(data=data, prune=prune)


def _active_terms() -> list[TopicTerms]:
    return [
        TopicTerms(
            topic=t["pk"],
            aliases=tuple(t["aliases"]),
            hashtags=tuple(t["hashtags"]),
            keywords=tuple(t["keywords"]),
        )
        for t in Topic.objects.filter(is_active=True)
        .order_by("pk")
        .values("pk", "aliases", "hashtags", "keywords")
    ]


def ontology_fingerprint(terms: list[TopicTerms]) -> str:
    """Changes whenever a topic that matching uses changes; empty for an empty tree (so a
    site without topics never rematches its posts)."""
    if not terms:
        return ""
    blob = json.dumps([[t.topic, t.aliases, t.hashtags, t.keywords] for t in terms])
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=16).hexdigest()


def topic_matcher() -> tuple[Matcher, str]:
    terms = _active_terms()
    return Matcher(terms), ontology_fingerprint(terms)


def content_topics_refresh(*, batch_size: int = 2000) -> int:
    """Match every post that was not matched against the current tree; returns how many
    posts were matched. Each batch commits on its own, so a long rematch makes progress."""
    matcher, fingerprint = topic_matcher()
    done, after = 0, 0
    while True:
        batch = list(
            Content.objects.exclude(topics_matched_with=fingerprint)
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "text", "tags")[:batch_size]
        )
        if not batch:
            return done
        rows = [
            ContentTopic(content_id=pk, topic_id=m.topic, matched=[list(t) for t in m.terms])
            for pk, text, tags in batch
            for m in matcher.match(text, [t for t in (tags or []) if isinstance(t, str)])
        ]
        ids = [pk for pk, _, _ in batch]
        with transaction.atomic():
            # Lock the posts that still exist: one deleted meanwhile (a disconnected
            # network) gets no match rows.
            present = set(
                Content.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
            )
            ContentTopic.objects.filter(content_id__in=ids).delete()
            ContentTopic.objects.bulk_create(r for r in rows if r.content_id in present)
            Content.objects.filter(pk__in=present).update(topics_matched_with=fingerprint)
        done += len(batch)
        after = ids[-1]
