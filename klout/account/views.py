"""The member's whole account as pages: "Download my data" and "Delete my account"."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from klout.account.export import member_export
from klout.account.forms import DeleteAccountForm
from klout.account.services import account_delete as account_delete_everywhere
from scoring.services import member_for_user


@never_cache
@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """ "Download my data": everything held about the member, as one JSON file."""
    document = member_export(member=member_for_user(user=request.user))
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="klout-fair-my-data-{stamp}.json"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account_delete_everywhere(member=member_for_user(user=request.user))
        logout(request)
        messages.success(request, "Your account and everything about you has been deleted.")
        return redirect("home")
    return render(request, "account_delete.html", {"delete_form": form})
