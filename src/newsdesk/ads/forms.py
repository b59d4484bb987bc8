from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from newsdesk.ads.images import creative_image_check
from newsdesk.ads.models import Creative, Slot, validate_web_url
from newsdesk.ads.selectors import slots_offered
from newsdesk.ingest.places import region_names

MAX_DAYS = 366


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Slot) -> str:
        return str(obj)


class BookingRequestForm(forms.Form):
    advertiser = forms.CharField(max_length=200, label="Advertiser",
                                 help_text="The organisation or brand to be shown.")
    contact_name = forms.CharField(max_length=200, label="Your name")
    contact_email = forms.EmailField(label="Your email",
                                     help_text="We confirm receipt and send our decision here.")
    slot = SlotChoiceField(queryset=Slot.objects.none(), empty_label="Choose a slot")
    starts_on = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    regions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                        help_text="Leave all unticked for the whole site.")
    creative_image = forms.ImageField(required=False, label="Creative image",
                                      help_text="JPEG, PNG or WebP, at most 5 MB; "
                                                "no HTML or script ads.")
    creative_link = forms.URLField(required=False, max_length=2000,
                                   label="Or a link to the creative",
                                   assume_scheme="https", validators=[validate_web_url])
    target_url = forms.URLField(required=False, max_length=2000, label="Where the ad should link",
                                assume_scheme="https", validators=[validate_web_url])
    message = forms.CharField(required=False, max_length=2000, label="Message",
                              widget=forms.Textarea(attrs={"rows": 4}))
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot_field = self.fields["slot"]
        assert isinstance(slot_field, forms.ModelChoiceField)
        slot_field.queryset = slots_offered()
        regions_field = self.fields["regions"]
        assert isinstance(regions_field, forms.MultipleChoiceField)
        regions_field.choices = list(region_names().items())

    def clean_starts_on(self) -> datetime.date:
        starts: datetime.date = self.cleaned_data["starts_on"]
        if starts < timezone.localdate():
            raise forms.ValidationError("The first day cannot be in the past.")
        return starts

    def clean_creative_image(self) -> Any:
        upload = self.cleaned_data.get("creative_image")
        return creative_image_check(upload) if upload else None

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("Leave this field empty.")
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends:
            if ends < starts:
                self.add_error("ends_on", "The last day must be on or after the first day.")
            elif (ends - starts).days >= MAX_DAYS:
                self.add_error("ends_on", "Book at most a year at a time.")
        data.pop("website", None)
        return data


class CreativeAdminForm(forms.ModelForm):
    """The desk's creative form: every uploaded image is re-encoded before it is stored."""

    target_url = forms.URLField(max_length=2000, assume_scheme="https",
                                validators=[validate_web_url],
                                help_text="Where a click goes. Only this address is ever used.")

    class Meta:
        model = Creative
        fields = ["campaign", "slot", "image", "alt_text", "target_url", "is_active"]

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            return creative_image_check(image)
        return image


class SlotRowForm(forms.ModelForm):
    """A row of the desk's slot list: the boxes have no label there, so each is named for what
    it sets and on which slot ('Rate of Sidebar')."""

    class Meta:
        model = Slot
        fields = ["rate", "currency", "rate_unit", "is_active", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} of {self.instance.name}"
