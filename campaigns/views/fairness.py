"""The fairness report's page (SVG charts rendered here, and the same numbers as tables) and
its CSV export, for the campaign's brand staff and for site staff (the JSON is in
``campaigns.api.fairness``)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from campaigns.models import Campaign
from campaigns.selectors.fairness import (
    FOUR_FIFTHS,
    campaign_for_report,
    engagement_target_of,
    fairness_report_cached,
    headline,
)

BAR_WIDTH, CURVE_W, CURVE_H = 320, 560, 180


def _campaign_for(user, campaign_id: int) -> Campaign:
    campaign = campaign_for_report(user=user, campaign_id=campaign_id)
    if campaign is None:
        raise Http404("No such campaign among yours.")
    return campaign


def _bars(rows: list[dict]) -> dict:
    best = max((g["rate"] for g in rows if not g["too_small"]), default=0)
    bars = [
        {**g, "width": round(g["rate"] * BAR_WIDTH, 1), "y": 8 + i * 26}
        for i, g in enumerate(sorted(rows, key=lambda g: g["group"]))
    ]
    return {
        "bars": bars,
        "height": 16 + 26 * len(bars),
        "line_x": round(120 + best * FOUR_FIFTHS * BAR_WIDTH, 1),
    }


def _curve_points(curve: list[dict]) -> dict:
    top = max((c["eligible"] for c in curve), default=0) or 1

    def x(s):
        return round(40 + (s - 1) / 99 * (CURVE_W - 60), 1)

    def y(v):
        return round(CURVE_H - 20 - v * (CURVE_H - 40), 1)

    return {
        "eligible": " ".join(f"{x(c['min_score'])},{y(c['eligible'] / top)}" for c in curve),
        "excluded": " ".join(
            f"{x(c['min_score'])},{y(c['excluded_engagement_share'])}" for c in curve
        ),
        "top": top,
        "width": CURVE_W,
        "height": CURVE_H,
    }


@login_required
def fairness_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for(request.user, campaign_id)
    report = fairness_report_cached(
        campaign=campaign, engagement_target=engagement_target_of(request.GET)
    )
    if request.GET.get("format") == "csv":
        return _csv(campaign, report)
    charts = {name: _bars(rows) for name, rows in report.get("groups", {}).items()}
    context = {
        "campaign": campaign,
        "report": report,
        "headline": headline(report),
        "charts": charts,
        "curve": _curve_points(report.get("min_score_curve", [])),
        "four_fifths": FOUR_FIFTHS,
    }
    return render(request, "campaigns/fairness.html", context)


CSV_COLUMNS = [
    "dimension",
    "group",
    "members",
    "included",
    "rate",
    "ratio_to_best",
    "flagged",
    "too_small",
]


def _csv(campaign: Campaign, report: dict) -> HttpResponse:
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="fairness-{campaign.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for dimension, rows in report.get("groups", {}).items():
        for g in rows:
            writer.writerow(_csv_row(dimension, g))
    return response


def _csv_row(dimension: str, g: dict) -> list:
    """A group's row of the CSV, in CSV_COLUMNS' order (rates to four decimals)."""
    return [
        dimension,
        g["group"],
        g["members"],
        g["included"],
        f"{g['rate']:.4f}",
        "" if g["ratio_to_best"] is None else f"{g['ratio_to_best']:.4f}",
        g["flagged"],
        g["too_small"],
    ]
