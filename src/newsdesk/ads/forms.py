from django import forms

from newsdesk.ads.models import BookingRequest


class BookingRequestForm(forms.ModelForm):
    class Meta:
        model = BookingRequest
        fields = ["advertiser", "contact_email", "slot", "starts_on", "ends_on", "message"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"}),
                   "message": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The campaign must end on or after its first day.")
        return data
