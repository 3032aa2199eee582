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


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label="Type DELETE to confirm",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != "DELETE":
            raise forms.ValidationError("Type the word DELETE in capitals to confirm.")
        return value

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
