from __future__ import annotations

from django import forms

from scoring.ingest.formats import FORMATS
from scoring.models import Visibility


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        required=False,
        help_text="Shown to you, and to others only where your visibility allows.",
    )


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        label="Who can see my score",
    )


class ConsentForm(forms.Form):
    opt_in = forms.BooleanField(
        required=True,
        label="I agree to have an influence score computed from the actions other people "
        "take on my content.",
        error_messages={"required": "Tick the box to agree; nothing is scored without it."},
    )


class MemberArchiveForm(forms.Form):
    """A member's own X/Twitter archive: the whole .zip (it names its account), or its
    tweets.js for an X account they have already connected."""

    file = forms.FileField(
        label="Your X archive",
        help_text="The .zip from X's 'Download an archive of your data', as it came (its "
        "data/account.js shows the account is yours). Or only data/tweets.js (or .js.gz) for "
        "an X account you have already connected.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.js,.gz"}),
    )
    account = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="The account the archive names (a .zip)",
        label="Whose archive is it",
    )

    def __init__(self, *args, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        if not accounts.exists():
            del self.fields["account"]


class StaffImportForm(forms.Form):
    file = forms.FileField(label="File (may be gzipped)")
    format = forms.ChoiceField(
        required=False,
        choices=[("", "From the file name")] + [(f.name, f.label) for f in FORMATS.values()],
    )
    network = forms.CharField(
        required=False,
        max_length=32,
        help_text="For the SNAP log and archives (default twitter).",
    )
    account_external_id = forms.CharField(
        required=False,
        max_length=191,
        label="Archive of account id",
        help_text="Only for an X tweets.js: the id of the account it belongs to (a whole "
        "archive .zip names it).",
    )
    skip_invalid = forms.BooleanField(
        required=False, label="Skip invalid records (store the rest, list the rejected)"
    )
    demo_members = forms.BooleanField(
        required=False, label="Create flagged demo members for every subject (demos only)"
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label="Why is this topic wrong for you?",
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Site staff read this and answer by e-mail.",
    )


class BlueskyConnectForm(forms.Form):
    handle = forms.CharField(
        label="Your Bluesky handle",
        max_length=253,
        help_text="For example alice.bsky.social, or your own domain.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    app_password = forms.CharField(
        label="An app password",
        max_length=64,
        help_text="Create one in Bluesky under Settings > Privacy and security > App passwords. "
        "We use it once, to sign in and prove the account is yours, and never store it.",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class MastodonConnectForm(forms.Form):
    instance = forms.CharField(
        label="Your Mastodon instance",
        max_length=260,
        help_text="Where your account lives, for example mastodon.social (or your full address, "
        "@you@mastodon.social). You approve read-only access there; we never see your password.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}),
    )


class BlogClaimForm(forms.Form):
    url = forms.CharField(
        label="Your blog's address",
        max_length=500,
        help_text="Its home page (example.com) or its feed (example.com/feed/). We read its "
        "RSS or Atom feed.",
        widget=forms.TextInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )


class FacebookPageForm(forms.Form):
    page = forms.ChoiceField(label="Which page", widget=forms.RadioSelect)

    def __init__(self, *args, pages=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["page"].choices = [(p.id, p.name) for p in pages]
