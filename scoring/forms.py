from __future__ import annotations

from django import forms

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
