"""Connecting a blog (by its feed and a one-time code) and a Facebook page (through the
member's Facebook login), and the Webmention endpoint other sites send mentions to. Thin:
the forms validate, the services decide."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from scoring import services
from scoring.connectors import blog, facebook
from scoring.errors import FacebookLoginNeeded
from scoring.forms import BlogClaimForm, FacebookPageForm
from scoring.models import BlogSite
from scoring.services.blogs import (
    WebmentionRefused,
    blog_claim_prove,
    blog_claim_start,
    webmention_accept,
)
from scoring.services.oauth_connect import facebook_page_connect, facebook_pages_managed


@login_required
def blog_connect_page(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    form = BlogClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = blog_claim_start(member=member, url=form.cleaned_data["url"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("blog_prove", site_id=site.pk)
    return render(request, "scoring/blog_connect.html", {"form": form, "member": member})


@login_required
def blog_prove_page(request: HttpRequest, site_id: int) -> HttpResponse:
    """The code to publish, and "Check now"."""
    member = services.member_for_user(user=request.user)
    site = get_object_or_404(BlogSite, pk=site_id, member=member)
    problem = ""
    if request.method == "POST":
        try:
            account = blog_claim_prove(member=member, site_id=site.pk)
        except DomainError as error:
            problem = error.message
        else:
            messages.success(request, f"{account.handle} is yours. Reading its posts now.")
            return redirect("network_sync", account_id=account.pk)
    context = {"site": site, "member": member, "problem": problem, "meta_name": blog.VERIFY_META}
    return render(request, "scoring/blog_prove.html", context)


def _facebook_configured(request: HttpRequest) -> bool:
    return bool(get_adapter().list_apps(request, provider="facebook"))


@login_required
def facebook_page_connect_page(request: HttpRequest) -> HttpResponse:
    """The pages the member manages, to choose one; or the way to Facebook to allow it."""
    member = services.member_for_user(user=request.user)
    context = {
        "member": member,
        "scopes": ",".join(facebook.SCOPES),
        "configured": _facebook_configured(request),
    }
    try:
        pages = facebook_pages_managed(member=member)
    except FacebookLoginNeeded as error:
        return render(request, "scoring/facebook_page.html", {**context, "login_needed": error})
    except DomainError as error:
        return render(request, "scoring/facebook_page.html", {**context, "problem": error})
    form = FacebookPageForm(request.POST or None, pages=pages)
    if request.method == "POST" and form.is_valid():
        try:
            account = facebook_page_connect(member=member, page_id=form.cleaned_data["page"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Connected {account.handle}. Reading its posts now.")
            return redirect("network_sync", account_id=account.pk)
    return render(request, "scoring/facebook_page.html", {**context, "form": form, "pages": pages})


WEBMENTIONS_PER_MINUTE = 30  # per sending address: each one costs a fetch of its source


def _webmention_allowed(request: HttpRequest) -> bool:
    key = f"webmention-rate:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) <= WEBMENTIONS_PER_MINUTE
    except ValueError:  # expired between the two calls
        return True


@csrf_exempt  # other sites post here (W3C Webmention): no session, no cookie
@require_http_methods(["GET", "POST"])
def webmention_endpoint(request: HttpRequest) -> HttpResponse:
    """The Webmention receiver: 202 once the request is checked (the source is fetched and
    verified by a task), 400 with the reason when it is refused. GET explains the endpoint."""
    if request.method == "GET":
        return render(request, "scoring/webmention.html")
    if not _webmention_allowed(request):
        return HttpResponse(
            "Too many webmentions from this address: try again in a minute.\n",
            status=429,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "60"},
        )
    try:
        webmention_accept(
            source=request.POST.get("source", ""), target=request.POST.get("target", "")
        )
    except WebmentionRefused as error:
        return HttpResponse(f"{error}\n", status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(
        "Accepted: the source will be checked for a link to the target.\n",
        status=202,
        content_type="text/plain; charset=utf-8",
    )
