from __future__ import annotations

from django import forms

from klout.account.services import password_confirms


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
        if not password_confirms(user=self.user, password=password):
            raise forms.ValidationError("That is not your password.")
        return password
