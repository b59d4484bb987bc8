from django import forms

from newsdesk.ingest.places import region_names


class SignupForm(forms.Form):
    email = forms.EmailField(label="Email address")
    regions = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to receive every region.")
    website = forms.CharField(required=False, label="Leave this empty")  # honeypot

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["regions"].choices = list(region_names().items())
