"""Finding people: members' public profiles, by display name or network handle.

Only members whose profile anyone may see are ever read here (``public_members``, which
``public_profile`` in scoring.selectors.topics also uses for one profile): a private member, or
one visible to brands only, is never matched, counted or shown, nor are their handles.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Lower

from scoring.models import Member, MemberScore, NetworkAccount, Visibility
from scoring.selectors.scores import latest_run

# Longer searches are refused: no name or handle is this long, and a long LIKE pattern is
# work for the database that finds nothing.
PEOPLE_QUERY_MAX_CHARS = 100


def public_members() -> QuerySet[Member]:
    """Members whose profile anyone may see: opted in to scoring, visibility public."""
    return Member.objects.filter(visibility=Visibility.PUBLIC, opted_in_at__isnull=False)


def people_search(*, query: str) -> QuerySet[Member]:
    """Public members whose display name, or the handle of one of their network accounts,
    contains ``query`` (case-insensitive; on SQLite for ASCII letters only). A leading "@"
    is optional for handles. Ordered by display name, members without one last.

    Each member carries ``current_score`` (their score in the run members see, or None) and
    their network accounts, prefetched in one query per page. An empty query finds nobody.
    """
    query = query.strip()
    if not query:
        return Member.objects.none()
    bare = query.lstrip("@") or query
    handles = NetworkAccount.objects.filter(member=OuterRef("pk")).filter(
        Q(handle__icontains=query) | Q(handle__icontains=bare)
    )
    run = latest_run()
    if run is None:
        score = Value(None, output_field=IntegerField())
    else:
        score = Subquery(
            MemberScore.objects.filter(run=run, member=OuterRef("pk")).values("score")[:1]
        )
    accounts = NetworkAccount.objects.exclude(handle="").order_by("network", "handle")
    return (
        public_members()
        .filter(Q(display_name__icontains=query) | Exists(handles))
        .annotate(
            current_score=score,
            unnamed=ExpressionWrapper(Q(display_name=""), output_field=BooleanField()),
        )
        .prefetch_related(Prefetch("network_accounts", queryset=accounts, to_attr="handles"))
        .order_by("unnamed", Lower("display_name"), "pk")
    )
