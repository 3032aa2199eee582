"""Perks in the brand admin: creation through the service, codes CSV validation with line
numbers, fulfilment and export; and isolation between brands, object by object."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaigns.models import BrandRole
from perks.errors import CodesInvalid
from perks.models import Allocation, Claim, ClaimStatus, Perk, PerkCode, PerkKind
from perks.services.claims import perk_claim
from perks.services.perks import perk_codes_upload, perk_create, seed_hash
from tests.campaigns.conftest import staff_of
from tests.perks.conftest import make_perk

pytestmark = pytest.mark.django_db


def test_codes_csv_is_validated_with_line_numbers_and_all_or_nothing(live_campaign):
    perk = make_perk(live_campaign, codes=0)
    user = live_campaign.manager
    bad = b"code\nAAA\n\nBBB\nAAA\n"
    with pytest.raises(CodesInvalid) as error:
        perk_codes_upload(perk=perk, user=user, data=bad)
    assert "line 3: blank code" in error.value.message
    assert "line 5: duplicate of line 2 ('AAA')" in error.value.message
    assert not PerkCode.objects.filter(perk=perk).exists()
    assert perk_codes_upload(perk=perk, user=user, data=b"AAA\nBBB\n") == 2
    with pytest.raises(CodesInvalid, match="line 1: already in the pool"):
        perk_codes_upload(perk=perk, user=user, data=b"BBB\nCCC\n")
    with pytest.raises(CodesInvalid, match="not UTF-8"):
        perk_codes_upload(perk=perk, user=user, data=b"\xff\xfe\x00")
    assert PerkCode.objects.filter(perk=perk).count() == 2


def test_perk_create_checks_window_budget_and_commits_a_lottery_seed(live_campaign):
    now = timezone.now()
    base = {"title": "Beans", "quantity": 10, "opens_at": now, "closes_at": now + timedelta(days=1)}
    user = live_campaign.manager
    with pytest.raises(Exception, match="exceed what is left of the campaign's budget"):
        perk_create(campaign=live_campaign, user=user, **base, value_cents=1_000_000)
    lottery = perk_create(campaign=live_campaign, user=user, **base, allocation=Allocation.LOTTERY)
    assert len(lottery.lottery_seed) == 64 and lottery.lottery_seed_hash == seed_hash(
        lottery.lottery_seed
    )
    assert "Roasters" in lottery.disclosure_text


def test_perks_together_never_commit_more_than_the_budget(live_campaign):
    """Each perk fits on its own; the third does not fit beside the first two."""
    now = timezone.now()
    base = {"title": "Box", "opens_at": now, "closes_at": now + timedelta(days=1)}
    user = live_campaign.manager
    perk_create(campaign=live_campaign, user=user, **base, quantity=4, value_cents=10_000)
    perk_create(campaign=live_campaign, user=user, **base, quantity=5, value_cents=10_000)
    with pytest.raises(Exception, match="left of the campaign's budget: 10000 of 100000 cents"):
        perk_create(campaign=live_campaign, user=user, **base, quantity=2, value_cents=10_000)
    assert Perk.objects.filter(campaign=live_campaign).count() == 2
    perk_create(campaign=live_campaign, user=user, **base, quantity=1, value_cents=10_000)


def test_brand_admin_codes_upload_page(client, live_campaign):
    perk = make_perk(live_campaign, codes=0)
    client.force_login(live_campaign.manager)
    url = reverse("brand_admin:perks_perk_codes", args=[perk.pk])
    bad = client.post(url, {"file": SimpleUploadedFile("c.csv", b"X\nX\n")}).content.decode()
    assert "line 2: duplicate of line 1" in bad
    good = client.post(url, {"file": SimpleUploadedFile("c.csv", b"X\nY\n")})
    assert good.status_code == 302 and PerkCode.objects.filter(perk=perk).count() == 2


def test_brand_admin_fulfil_and_export_claims(client, live_campaign, eligible):
    perk = make_perk(live_campaign, kind=PerkKind.PHYSICAL, codes=0, title="Grinder")
    claim, _ = perk_claim(
        perk=perk,
        member=eligible(),
        idempotency_key="x",
        shipping_name="Ada",
        shipping_address="1 Main St",
    )
    client.force_login(live_campaign.manager)
    url = reverse("brand_admin:perks_claim_changelist")
    export = client.post(url, {"action": "export_csv", "_selected_action": [claim.pk]})
    assert "1 Main St" in export.content.decode()
    client.post(url, {"action": "mark_fulfilled", "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FULFILLED


def test_other_brands_perks_codes_and_claims_are_invisible(client, live_campaign, eligible):
    from campaigns.models import Campaign
    from tests.factories import BrandFactory

    other_brand = BrandFactory(name="Zeta")
    other_campaign = Campaign.objects.create(
        brand=other_brand,
        name="Zeta launch",
        starts_at=live_campaign.starts_at,
        ends_at=live_campaign.ends_at,
        budget_cents=1000,
        status="live",
    )
    other_perk = make_perk(other_campaign, title="Zeta secret perk", codes=2)
    other_claim, _ = perk_claim(perk=other_perk, member=eligible(), idempotency_key="z")
    other_code = PerkCode.objects.filter(perk=other_perk).first()
    client.force_login(live_campaign.manager)
    for model in ("perk", "claim", "perkcode"):
        page = client.get(reverse(f"brand_admin:perks_{model}_changelist")).content.decode()
        assert "Zeta" not in page and other_code.code not in page
    for name, pk in (
        ("perk", other_perk.pk),
        ("claim", other_claim.pk),
        ("perkcode", other_code.pk),
    ):
        response = client.get(reverse(f"brand_admin:perks_{name}_change", args=[pk]))
        assert response.status_code == 302, name
    codes = client.post(
        reverse("brand_admin:perks_perk_codes", args=[other_perk.pk]),
        {"file": SimpleUploadedFile("c.csv", b"INJECTED\n")},
    )
    assert codes.status_code == 302 and not PerkCode.objects.filter(code="INJECTED").exists()
    export = client.post(
        reverse("brand_admin:perks_claim_changelist"),
        {"action": "export_csv", "_selected_action": [other_claim.pk]},
    )
    assert "Zeta" not in export.content.decode()
    add = client.get(reverse("brand_admin:perks_perk_add")).content.decode()
    assert "Zeta launch" not in add and "Tasting" in add
    viewer = staff_of(live_campaign.brand, BrandRole.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("brand_admin:perks_perk_add")).status_code == 403
    assert (
        Perk.objects.filter(title="Zeta secret perk").exists()
        and Claim.objects.filter(pk=other_claim.pk).exists()
    )


def test_claims_show_a_members_name_only_while_they_let_brands_see_it(
    client, live_campaign, eligible
):
    from scoring.models import Visibility

    perk = make_perk(live_campaign, kind=PerkKind.EXPERIENCE, codes=0, title="Visit")
    member = eligible()
    member.display_name = "Ada Lovelace"
    member.save()
    perk_claim(perk=perk, member=member, idempotency_key="v")
    client.force_login(live_campaign.manager)
    url = reverse("brand_admin:perks_claim_changelist")
    assert "Ada Lovelace" in client.get(url).content.decode()
    member.visibility = Visibility.PRIVATE
    member.save()
    page = client.get(url).content.decode()
    assert "Ada Lovelace" not in page and f"member {member.public_id.hex[:8]}" in page


def test_code_filter_lists_only_own_perks(client, live_campaign):
    from campaigns.models import Campaign
    from tests.factories import BrandFactory

    other = Campaign.objects.create(
        brand=BrandFactory(name="Zeta"),
        name="Zeta launch",
        starts_at=live_campaign.starts_at,
        ends_at=live_campaign.ends_at,
        budget_cents=1000,
        status="live",
    )
    make_perk(other, title="Zeta secret perk", codes=1)
    make_perk(live_campaign, title="Our perk", codes=1)
    client.force_login(live_campaign.manager)
    page = client.get(reverse("brand_admin:perks_perkcode_changelist")).content.decode()
    assert "Our perk" in page and "Zeta secret perk" not in page
