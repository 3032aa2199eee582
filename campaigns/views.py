from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaigns.selectors import user_brand_memberships


@login_required
def brand_dashboard(request: HttpRequest) -> HttpResponse:
    memberships = list(user_brand_memberships(user=request.user))
    return render(request, "campaigns/brand_dashboard.html", {"memberships": memberships})
