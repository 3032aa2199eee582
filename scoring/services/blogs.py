"""Blogs and sites: connected by their feed and proven by a one-time code, then read like
any live network; and the Webmentions other sites send about their posts.

1. ``blog_claim_start``: the member gives their blog's address; its feed is read (RSS or
   Atom, found from the home page if need be) and the member is given a one-time code.
2. ``blog_claim_prove``: the member has put the code in a new post or in a ``<meta>`` tag on
   the site's home page; it is looked for, and once found the blog is the member's network
   account (source SITE) and its first sync is queued. A blog whose code is not found is
   never read.
3. Webmentions (the W3C standard): a site says "my page ``source`` links to your post
   ``target``". ``webmention_accept`` checks the request and that the target is on a blog
   proven here, and queues the check; ``webmention_store`` fetches the source and stores the
   mention only if the source really links to the target (and deletes it when the source no
   longer does: an update of a mention is the same request sent again).
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from scoring.connectors import blog, web, webmention
from scoring.connectors.base import ConnectorError
from scoring.errors import NetworkConnectFailed, SiteNotProven
from scoring.ingest.records import ActionRecord, dedupe_key
from scoring.models import Action, BlogSite, Member, NetworkAccount, SyncState
from scoring.services.actions import actions_import
from scoring.services.members import network_account_connect
from scoring.services.sync import sync_queue

CODE_PREFIX = "klout-fair-"


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def blog_claim_start(*, member: Member, url: str) -> BlogSite:
    """The member's claim on the blog at ``url`` (its feed, or a page that names its feed),
    with the code to publish. Claiming the same feed again gives the same code."""
    url = (url or "").strip()
    if not url:
        raise NetworkConnectFailed("Enter your blog's address or its feed.", field="url")
    if "://" not in url:
        url = f"https://{url}"
    try:  # a network call: before any transaction
        feed = blog.read_feed(url, allow_private=settings.BLOG_ALLOW_PRIVATE)
    except ConnectorError as error:
        raise NetworkConnectFailed(error.message, field="url") from None
    # The site is the feed's own host: a feed may name any home page as its <link>, and
    # webmentions to a host must go only to whoever proved they publish on that host.
    host = host_of(feed.feed_url)
    site_url = feed.site_url if host_of(feed.site_url) == host else web.origin(feed.feed_url)
    details = {
        "site_url": site_url[:500],
        "site_host": host[:255],
        "title": (feed.title or host)[:191],
        "platform": feed.platform[:16],
    }
    try:
        site, created = BlogSite.objects.get_or_create(
            member=member,
            feed_url=feed.feed_url[:500],
            defaults={**details, "code": CODE_PREFIX + secrets.token_hex(8)},
        )
    except IntegrityError:  # the same claim made twice at once
        site, created = BlogSite.objects.get(member=member, feed_url=feed.feed_url[:500]), False
    if not created:
        BlogSite.objects.filter(pk=site.pk).update(**details)
        site.refresh_from_db()
    return site


def blog_claim_prove(*, member: Member, site_id: int) -> NetworkAccount:
    """Look for the code on the blog; once found, connect it and queue its first sync.
    Raises SiteNotProven (connecting nothing) while the code is not there."""
    site = BlogSite.objects.filter(member=member, pk=site_id).first()
    if site is None:
        raise NetworkConnectFailed("That blog was not claimed here: start again.")
    if site.account_id:
        return site.account
    try:  # network calls: before any transaction
        feed = blog.read_feed(site.feed_url, allow_private=settings.BLOG_ALLOW_PRIVATE)
        # the <meta> tag counts on the feed's own host only (see blog_claim_start)
        feed = dataclasses.replace(feed, site_url=site.site_url)
        found = blog.code_found(feed, site.code, allow_private=settings.BLOG_ALLOW_PRIVATE)
    except ConnectorError as error:
        raise SiteNotProven(error.message) from None
    if not found:
        raise SiteNotProven(
            "The code is not on your blog yet: we looked in the newest posts of its feed and "
            "in the <meta> tags of its home page. Publish it, then check again."
        )
    with transaction.atomic():
        account = network_account_connect(
            member=member,
            network=blog.NETWORK,
            external_id=site.feed_url,
            handle=site.title,
            source=NetworkAccount.Source.SITE,
        )
        BlogSite.objects.filter(pk=site.pk).update(
            account=account, proven_at=timezone.now(), proof=found[:300]
        )
        SyncState.objects.get_or_create(account=account)
        sync_queue(account.pk, timezone.now())
    return account


# --- webmentions ---------------------------------------------------------------------------
class WebmentionRefused(ValueError):
    """A webmention request that cannot be accepted; the message says why (HTTP 400)."""


def _site_for(target: str) -> BlogSite | None:
    return (
        BlogSite.objects.filter(site_host=host_of(target), account__isnull=False)
        .select_related("account")
        .first()
    )


def webmention_accept(*, source: str, target: str) -> None:
    """Check a webmention request and queue its verification (the W3C receiver's
    synchronous part); raises WebmentionRefused."""
    try:
        webmention.check_request(source, target)
    except ValueError as error:
        raise WebmentionRefused(str(error)) from None
    if _site_for(target) is None:
        raise WebmentionRefused("target is not a page of a blog connected to Klout Fair.")
    from scoring.tasks import webmention_verify_task

    transaction.on_commit(lambda: webmention_verify_task.delay(source, target))


def webmention_store(*, source: str, target: str) -> str:
    """Verify the mention (the source must link to the target) and store it, or delete the
    one stored before when the source no longer links. Returns what was done."""
    site = _site_for(target)
    if site is None:
        return "ignored: the target's blog is no longer connected"
    try:
        mention = webmention.verify(source, target, allow_private=settings.BLOG_ALLOW_PRIVATE)
    except ConnectorError as error:
        return f"not verified: {error.message}"
    action_id = f"webmention {source} {target}"
    if mention is None:
        gone = _mention_record(site, action_id, None, target, "mention", datetime.now(UTC))
        deleted, _ = Action.objects.filter(
            dedupe_key=dedupe_key(settings.ACTOR_HASH_KEY, gone)
        ).delete()
        return "deleted" if deleted else "ignored: the source does not link to the target"
    record = _mention_record(
        site,
        action_id,
        _actor_of(mention, source),
        target,
        mention.kind,
        mention.published or datetime.now(UTC),
    )
    summary = actions_import(records=[record])
    return "stored" if summary.stored else "already stored"


def _actor_of(mention, source: str) -> str:
    """Who mentioned: a member's own proven blog when the author's site is one (so their
    mention counts as theirs), else the author's URL, else the source's site."""
    author = mention.author_url or f"{urlsplit(source).scheme}://{host_of(source)}"
    own = BlogSite.objects.filter(site_host=host_of(author), account__isnull=False).first()
    return own.feed_url if own is not None else author


def _mention_record(site, action_id, actor, target, kind, at) -> ActionRecord:
    return ActionRecord(
        network=blog.NETWORK,
        actor_id=actor,
        subject_id=site.feed_url,
        kind=kind,
        occurred_at=at,
        content_id=blog.canonical(target),
        action_id=action_id,
    )
