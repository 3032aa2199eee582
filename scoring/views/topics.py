"""Topic pages: hide, restore and dispute my topics; public profiles with +K, and finding
them by name or handle. Thin: the services decide, and a refusal is shown as a message
saying which rule refused."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from scoring import services
from scoring.forms import DisputeForm
from scoring.models import Topic
from scoring.selectors.people import PEOPLE_QUERY_MAX_CHARS, people_search
from scoring.selectors.scores import latest_run, member_score
from scoring.selectors.topics import evidence_bar, member_topics, public_profile, topic_by_slug
from scoring.services import topics_members


def _topic(slug: str) -> Topic:
    topic = topic_by_slug(slug)
    if topic is None:
        raise Http404("No such topic.")
    return topic


def _to_topics():
    return redirect(reverse("dashboard") + "#topics")


@login_required
@require_POST
def topic_hide(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(slug)
    topics_members.topic_hide(member=services.member_for_user(user=request.user), topic=topic)
    messages.success(request, f"{topic.name} is hidden: nobody sees it, no campaign uses it.")
    return _to_topics()


@login_required
@require_POST
def topic_restore(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(slug)
    topics_members.topic_restore(member=services.member_for_user(user=request.user), topic=topic)
    messages.success(request, f"{topic.name} is shown again while its evidence holds.")
    return _to_topics()


@login_required
def topic_dispute(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(slug)
    member = services.member_for_user(user=request.user)
    mine = {t.topic.pk: t for t in member_topics(member=member, include_hidden=True)}
    if topic.pk not in mine:
        raise Http404("You have no evidence for this topic.")
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topics_members.topic_dispute_create(
                member=member, topic=topic, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, f"Your dispute about {topic.name} went to site staff.")
            return _to_topics()
    context = {"topic": topic, "mine": mine[topic.pk], "form": form}
    return render(request, "scoring/topic_dispute.html", context)


PEOPLE_PER_PAGE = 25


@login_required
def people_search_page(request: HttpRequest) -> HttpResponse:
    """Public profiles whose name or handle holds ``q``; a query too long is refused."""
    query = request.GET.get("q", "").strip()
    error = ""
    if len(query) > PEOPLE_QUERY_MAX_CHARS:
        error = (
            f"Search for at most {PEOPLE_QUERY_MAX_CHARS} characters: part of a name or a "
            f"handle (this search has {len(query):,})."
        )
        query = query[:PEOPLE_QUERY_MAX_CHARS]
    found = people_search(query="" if error else query)
    page = Paginator(found, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "error": error,
        "page": page,
        "searched": bool(query) and not error,
        "max_chars": PEOPLE_QUERY_MAX_CHARS,
    }
    return render(request, "scoring/people.html", context)


def profile(request: HttpRequest, public_id) -> HttpResponse:
    member = public_profile(public_id=public_id)
    if member is None:
        raise Http404("No public profile here.")
    viewer = None
    if request.user.is_authenticated:
        viewer = services.member_for_user(user=request.user)
    context = {
        "profile": member,
        "score": member_score(member=member),
        "topics": member_topics(member=member),
        "run": latest_run(),
        "bar": evidence_bar(),
        "can_give": viewer is not None and viewer.pk != member.pk,
        "is_self": viewer is not None and viewer.pk == member.pk,
    }
    return render(request, "scoring/profile.html", context)


@login_required
@require_POST
def plus_k_give(request: HttpRequest, public_id, slug: str) -> HttpResponse:
    receiver = public_profile(public_id=public_id)
    if receiver is None:
        raise Http404("No public profile here.")
    topic = _topic(slug)
    try:
        topics_members.plus_k_give(
            giver=services.member_for_user(user=request.user), receiver=receiver, topic=topic
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You gave +K on {topic.name}.")
    return redirect("profile", public_id=receiver.public_id)
