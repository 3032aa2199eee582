"""Who may add an X account: only by proof (a login with the network, a Bluesky session, or
an archive whose own account.js names it); never by typing an id; a failed import adds
nothing; a stronger proof takes an account over from a weaker claim, and its holder is told."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from scoring.errors import NetworkAccountTaken
from scoring.ingest import twitter_zip
from scoring.models import Action, Content, ImportBatch, NetworkAccount
from scoring.services.members import network_account_connect
from tests.factories import NetworkAccountFactory, OptedInMemberFactory
from tests.scoring.archives import EMAIL, TWEETS_JS, account_js, archive_zip

pytestmark = pytest.mark.django_db
ID = "1510000001"
Source = NetworkAccount.Source


def _zip_upload(data: bytes | None = None, name: str = "twitter-2024.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, archive_zip() if data is None else data)


def _upload(client, file, *, capture, **fields):
    with capture(execute=True):
        return client.post(reverse("member_imports"), {"file": file, **fields})


def _nothing_of(member) -> None:
    assert not NetworkAccount.objects.filter(member=member).exists()
    assert not Action.objects.exists() and not Content.objects.exists()


# --- a whole archive: the account it names, once the import succeeds -----------------------


def test_zip_adds_the_account_it_names_only_when_the_import_runs(
    client, django_capture_on_commit_callbacks
):
    member = OptedInMemberFactory()
    client.force_login(member.user)

    with django_capture_on_commit_callbacks() as pending:
        response = client.post(reverse("member_imports"), {"file": _zip_upload()})
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    assert not NetworkAccount.objects.exists()  # nothing attached at upload
    for callback in pending:
        callback()

    batch.refresh_from_db()
    assert (batch.status, batch.posts, batch.stored) == ("done", 3, 17)
    assert batch.account_external_id == ID
    account = NetworkAccount.objects.get(member=member)
    assert (account.network, account.external_id, account.handle, account.source) == (
        "twitter",
        ID,
        "ana",
        Source.ARCHIVE,
    )
    assert Content.objects.filter(account=account).count() == 3


def test_the_archives_email_address_is_never_stored(client, django_capture_on_commit_callbacks):
    member = OptedInMemberFactory()
    client.force_login(member.user)
    _upload(client, _zip_upload(), capture=django_capture_on_commit_callbacks)

    assert ImportBatch.objects.get().status == "done"
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            assert EMAIL not in repr(cursor.fetchall()), table


def test_a_tweets_js_alone_without_a_connected_account_is_refused(
    client, django_capture_on_commit_callbacks
):
    member = OptedInMemberFactory()
    client.force_login(member.user)
    response = _upload(
        client,
        SimpleUploadedFile("tweets.js", TWEETS_JS),
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert "A tweets.js alone does not say whose tweets they are" in response.content.decode()
    assert not ImportBatch.objects.exists()
    _nothing_of(member)


def test_a_tweets_js_goes_to_the_members_own_connected_account(
    client, django_capture_on_commit_callbacks
):
    member = OptedInMemberFactory()
    own = NetworkAccountFactory(member=member, network="twitter", external_id=ID)
    client.force_login(member.user)
    _upload(
        client,
        SimpleUploadedFile("tweets.js", TWEETS_JS),
        capture=django_capture_on_commit_callbacks,
        account=own.pk,
    )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.stored) == ("done", 17)
    assert list(NetworkAccount.objects.filter(member=member)) == [own]


def test_api_typed_id_of_an_account_not_yours_is_refused_and_attaches_nothing(
    django_capture_on_commit_callbacks,
):
    holder = NetworkAccountFactory(network="twitter", external_id=ID, source=Source.IMPORT)
    member = OptedInMemberFactory()
    api = APIClient()
    api.force_authenticate(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api_imports"),
            {"file": SimpleUploadedFile("tweets.js", TWEETS_JS), "account_external_id": ID},
            format="multipart",
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_refused" and "account_external_id" in error["fields"]
    assert f"X account {ID} is not connected to you" in error["message"]
    assert NetworkAccount.objects.get(external_id=ID) == holder
    _nothing_of(member)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"x", "not a readable zip"),
        (b"PK\x03\x04" + b"\0" * 40, "not a readable zip"),
        (archive_zip(account=b""), "the zip has no data/account.js"),
        (archive_zip(tweets={}), "the zip has no data/tweets.js"),
        (archive_zip(account=b"window.YTD.account.part0 = [{"), "invalid JSON"),
        (archive_zip(account=account_js("@ana")), "not an X account id"),
        (archive_zip(account=b"var x = 1"), "not an account.js file"),
        (
            archive_zip(tweets={"tweets.js": TWEETS_JS[: len(TWEETS_JS) // 2]}),
            "the JSON array is cut short",
        ),
    ],
    ids=["one-byte", "damaged", "no-account", "no-tweets", "bad-json", "bad-id", "not-js", "cut"],
)
def test_a_failed_import_attaches_nothing(
    client, django_capture_on_commit_callbacks, data, problem
):
    member = OptedInMemberFactory()
    client.force_login(member.user)
    _upload(client, _zip_upload(data), capture=django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert problem in batch.error and "twitter-2024.zip" in batch.error
    _nothing_of(member)


def test_zip_of_another_account_than_the_one_chosen_fails_naming_both(
    client, django_capture_on_commit_callbacks
):
    member = OptedInMemberFactory()
    own = NetworkAccountFactory(member=member, network="twitter", external_id="42")
    client.force_login(member.user)
    _upload(client, _zip_upload(), capture=django_capture_on_commit_callbacks, account=own.pk)

    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert "data/account.js" in batch.error and "accountId" in batch.error
    assert ID in batch.error and "(42)" in batch.error
    assert list(NetworkAccount.objects.filter(member=member)) == [own]
    assert not Action.objects.exists()


def test_every_tweets_part_is_read_in_order(client, django_capture_on_commit_callbacks):
    tweets = json.loads(TWEETS_JS[TWEETS_JS.index(b"[") :])
    for entry in tweets:  # part 1 holds other tweets: the same ones with new ids
        entry["tweet"]["id_str"] = entry["tweet"]["id"] = "9" + entry["tweet"]["id_str"]
    part1 = b"window.YTD.tweets.part1 = " + json.dumps(tweets).encode()
    member = OptedInMemberFactory()
    client.force_login(member.user)
    data = archive_zip(tweets={"tweets.js": TWEETS_JS, "tweets-part1.js": part1})
    _upload(client, _zip_upload(data), capture=django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert (batch.status, batch.posts, batch.stored) == ("done", 6, 34)


def test_the_expansion_cap_counts_every_part(client, django_capture_on_commit_callbacks, settings):
    data = archive_zip(tweets={"tweets.js": TWEETS_JS, "tweets-part1.js": TWEETS_JS})
    # Each part alone fits the cap; the two together do not.
    settings.IMPORT_MAX_EXPANSION = -(-len(TWEETS_JS) // len(data))
    assert len(TWEETS_JS) < settings.IMPORT_MAX_EXPANSION * len(data) < 2 * len(TWEETS_JS)
    member = OptedInMemberFactory()
    client.force_login(member.user)
    _upload(client, _zip_upload(data), capture=django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "expands to more than" in batch.error
    assert "tweets-part1.js" in batch.error
    _nothing_of(member)


def test_a_zip_with_too_many_entries_is_refused_before_its_directory_is_read(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    data = archive_zip(extra={f"data/tweets_media/{n}.jpg": b"x" for n in range(5)})
    monkeypatch.setattr(twitter_zip, "MAX_ENTRIES", 3)
    loaded = []
    monkeypatch.setattr(twitter_zip.zipfile, "ZipFile", lambda *a, **k: loaded.append(a))
    member = OptedInMemberFactory()
    client.force_login(member.user)
    _upload(client, _zip_upload(data), capture=django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "the zip has 8 entries" in batch.error
    assert not loaded
    _nothing_of(member)


# --- taking over, and being told -----------------------------------------------------------


def test_an_archive_takes_over_a_typed_claim_and_its_holder_is_told(
    client, django_capture_on_commit_callbacks
):
    typed = NetworkAccountFactory(network="twitter", external_id=ID, source=Source.IMPORT)
    typed.member.user.email = "claimer@example.org"
    typed.member.user.save()
    member = OptedInMemberFactory()
    client.force_login(member.user)
    _upload(client, _zip_upload(), capture=django_capture_on_commit_callbacks)

    account = NetworkAccount.objects.get(external_id=ID)
    assert (account.member, account.source) == (member, Source.ARCHIVE)
    assert ImportBatch.objects.get().stored == 17
    told = [m for m in mail.outbox if m.to == ["claimer@example.org"]]
    assert len(told) == 1 and "with the account's own archive" in told[0].body


@pytest.mark.parametrize("held", [Source.ARCHIVE, Source.OAUTH, Source.SESSION])
def test_an_archive_does_not_take_an_account_held_as_strongly(
    client, django_capture_on_commit_callbacks, held
):
    holder = NetworkAccountFactory(network="twitter", external_id=ID, source=held)
    member = OptedInMemberFactory()
    client.force_login(member.user)
    _upload(client, _zip_upload(), capture=django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert "already connected to another member" in batch.error
    assert "Nothing was stored" in batch.error
    assert NetworkAccount.objects.get(external_id=ID) == holder
    assert not Action.objects.exists()


def test_a_login_takes_over_an_archive_claim():
    claimer, owner = OptedInMemberFactory(), OptedInMemberFactory()
    network_account_connect(member=claimer, network="twitter", external_id=ID, source="archive")
    account = network_account_connect(member=owner, network="twitter", external_id=ID)
    assert (account.member, account.source) == (owner, Source.OAUTH)
    assert not NetworkAccount.objects.filter(member=claimer).exists()


def test_social_login_for_an_archive_claim_is_not_refused(rf, member):
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    from scoring.adapters import SocialAccountAdapter
    from tests.scoring.test_networks import _Login

    NetworkAccountFactory(network="twitter", external_id=ID, source=Source.ARCHIVE)
    request = rf.get("/accounts/twitter_oauth2/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = member.user
    from allauth.socialaccount.models import SocialAccount

    social = SocialAccount(user=member.user, provider="twitter_oauth2", uid=ID)
    SocialAccountAdapter(request).pre_social_login(request, _Login(social))  # does not raise


SOURCES = [Source.OAUTH, Source.SESSION, Source.ARCHIVE, Source.IMPORT, Source.DEMO]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    attempts=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(SOURCES)), min_size=1, max_size=8
    )
)
def test_the_account_goes_to_the_strongest_proof_first_shown(attempts):
    """Whatever the order of attempts, the holder is whoever first showed the strongest
    proof; an attempt on weaker or equal evidence by someone else changes nothing."""
    with transaction.atomic():
        members = [OptedInMemberFactory() for _ in range(3)]
        holder = source = None
        for who, how in attempts:
            rank = NetworkAccount.PROOF_RANK
            try:
                network_account_connect(
                    member=members[who], network="twitter", external_id=ID, source=how
                )
            except NetworkAccountTaken:
                assert holder is not None and holder != who and rank[how] <= rank[source]
                continue
            if holder is None or holder != who:
                assert holder is None or rank[how] > rank[source]
                holder, source = who, how
            elif rank[how] > rank[source]:
                source = how
            account = NetworkAccount.objects.get(network="twitter", external_id=ID)
            assert (account.member, account.source) == (members[holder], source)
        transaction.set_rollback(True)


# --- the command line ----------------------------------------------------------------------


def test_command_reads_the_account_from_a_zip_and_attaches_nothing(tmp_path):
    owner = NetworkAccountFactory(network="twitter", external_id=ID)
    path = tmp_path / "archive.zip"
    path.write_bytes(archive_zip())
    out = StringIO()
    call_command("import_actions", str(path), stdout=out, stderr=StringIO())
    assert "stored                                  17" in out.getvalue()
    assert list(NetworkAccount.objects.all()) == [owner]


def test_command_needs_account_for_a_tweets_js_only(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_bytes(TWEETS_JS)
    with pytest.raises(CommandError, match="a tweets.js import needs --account"):
        call_command("import_actions", str(path), stdout=StringIO(), stderr=StringIO())


def test_staff_upload_of_a_zip_needs_no_account(admin_client, django_capture_on_commit_callbacks):
    NetworkAccountFactory(network="twitter", external_id=ID)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("staff_imports"), {"file": _zip_upload()})
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.account_external_id, batch.stored) == ("done", ID, 17)
    assert NetworkAccount.objects.count() == 1  # the staff path attaches nothing
