from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from newsdesk.ingest.places import all_countries, region_names
from newsdesk.newsletter.abuse import challenge_problem
from newsdesk.newsletter.models import Frequency


def signup_consent_text() -> str:
    return (f"I want to receive the {settings.SITE_NAME} newsletter by email, as often as I chose "
            "above. I can change my choices or leave at any time through the link in every email.")


def preferences_consent_text() -> str:
    return f"Send me the {settings.SITE_NAME} newsletter with these choices."


class PlacesForm(forms.Form):
    regions = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Regions",
        help_text="Tick none, and no countries either, to receive every region.")
    countries = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Countries",
        help_text="Articles about these countries, whatever their region.")
    frequency = forms.ChoiceField(choices=Frequency, initial=Frequency.WEEKLY,
                                  widget=forms.RadioSelect, label="How often")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = list(region_names().items())
        self.fields["countries"].choices = list(all_countries().items())

    def chosen_countries(self) -> list[str]:
        """Names of the ticked countries, which the scrolling list may hide."""
        names = all_countries()
        return [names[code] for code in self["countries"].value() or [] if code in names]


class SignupForm(PlacesForm):
    field_order = ["email", "regions", "countries", "frequency", "consent"]

    email = forms.EmailField(label="Email address", max_length=254)
    consent = forms.BooleanField(label="", required=True, error_messages={
        "required": "Please tick the box to agree to receive the newsletter."})
    website = forms.CharField(required=False, label="Leave this empty")  # honeypot
    challenge = forms.CharField(widget=forms.HiddenInput)
    work = forms.CharField(required=False, widget=forms.HiddenInput)
    answer = forms.IntegerField(required=False, label="Question")

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["consent"].label = signup_consent_text()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or data.get("website"):
            return data
        problem = challenge_problem(token=data.get("challenge", ""), work=data.get("work", ""),
                                    answer=data.get("answer"), now=self.now)
        if problem:
            self.add_error("answer", problem)
        return data


class PreferencesForm(PlacesForm):
    pass
