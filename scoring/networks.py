"""The networks a member can connect. Sources are pluggable: a network is a slug, and any
well-formed slug is accepted as a generic network; the known ones carry a label and, where
the site can log in with it, the django-allauth provider that links it."""

from __future__ import annotations

import re
from dataclasses import dataclass

SLUG_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


@dataclass(frozen=True)
class Network:
    slug: str
    label: str
    provider_id: str | None = None  # the django-allauth provider that connects it
    reads: str = "What you import for it"  # what Klout Fair reads of an account, in words
    cadence: str = ""  # when it is read, in words (live networks)


KNOWN_NETWORKS: dict[str, Network] = {
    n.slug: n
    for n in (
        Network(
            "bluesky",
            "Bluesky",
            reads="Your posts of the last 90 days, their likes, reposts, quotes and replies; "
            "new ones live from the stream",
            cadence="It runs by itself every day; Bluesky's live stream adds new likes, "
            "reposts, replies and quotes as they happen.",
        ),
        Network(
            "mastodon",
            "Mastodon",
            reads="Your statuses of the last 90 days, their favourites, boosts and replies, and "
            "your new notifications",
            cadence="It runs by itself every day; your new notifications (favourites, boosts, "
            "replies and mentions) arrive as they happen, with their exact times.",
        ),
        Network(
            "twitter",
            "X/Twitter",
            "twitter_oauth2",
            reads="Your posts of the last 90 days, who liked, reposted and quoted them, your "
            "replies and mentions (what your X plan allows); or your archive, as counts",
            cadence="It runs by itself every day, starting with your new replies and mentions.",
        ),
        Network("facebook", "Facebook profile", "facebook", reads="Nothing: it lets you log in"),
        Network(
            "facebook_page",
            "Facebook page",
            reads="The page's posts of the last 90 days, their reactions, comments and shares",
            cadence="It runs by itself every day.",
        ),
        Network("linkedin", "LinkedIn", "linkedin"),
        Network("instagram", "Instagram"),
        Network("foursquare", "Foursquare"),
        Network(
            "blog",
            "Blog",
            reads="Your feed's posts of the last 90 days, their comments where the blog has a "
            "comments feed, and Webmentions other sites send",
            cadence="Its feeds are read every day; Webmentions count as soon as they are checked.",
        ),
    )
}
_BY_PROVIDER = {n.provider_id: n for n in KNOWN_NETWORKS.values() if n.provider_id}


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_RE.match(slug or ""))


def network_for(slug: str) -> Network:
    """The known network, or a generic one named after its slug."""
    return KNOWN_NETWORKS.get(slug) or Network(slug, slug.replace("_", " ").title())


def network_for_provider(provider_id: str) -> Network | None:
    return _BY_PROVIDER.get(provider_id)
