"""The public submission form, and the desk's decision form. Every limit is shown as help text
next to its field and refused there with its own message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from newsdesk.ingest.clean import NOT_TEXT
from newsdesk.ingest.places import all_countries, region_names
from newsdesk.media_checks import (
    DEFAULT_MAX_BYTES,
    ImageLimits,
    MediaRejected,
    check_image,
    check_pdf,
)
from newsdesk.pressroom import spam
from newsdesk.pressroom.markup import link_count, word_count
from newsdesk.pressroom.models import PressRelease, RejectReason
from newsdesk.pressroom.services import ImageUpload

MIN_WORDS, MAX_WORDS, MAX_LINKS = 150, 1500, 5
MAX_IMAGES = 3
IMAGE_LIMITS = ImageLimits()
IMAGE_TYPES = "image/jpeg,image/png,image/webp"
MB = 1024 * 1024
IMAGE_HELP = (f"JPEG, PNG or WebP, at most {IMAGE_LIMITS.max_bytes // MB} MB, "
              f"{IMAGE_LIMITS.min_width:,} × {IMAGE_LIMITS.min_height:,} to "
              f"{IMAGE_LIMITS.max_width:,} × {IMAGE_LIMITS.max_height:,} pixels "
              f"({IMAGE_LIMITS.max_pixels // 1_000_000} million at most). We re-encode every "
              "image and remove its metadata (camera, location).")


def _one_line(value: str) -> str:
    return " ".join(value.split())


class PlacesMixin(forms.Form):
    """Countries and regions picked from the gazetteer: a code it does not know is refused."""

    countries = forms.MultipleChoiceField(
        required=False, choices=[], widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="The countries the release concerns (Ctrl or ⌘ to pick several).")
    regions = forms.MultipleChoiceField(required=False, choices=[],
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, known in (("countries", all_countries()), ("regions", region_names())):
            if name in self.fields:  # the desk shows a decided release's places read-only
                self.fields[name].choices = list(known.items())  # type: ignore[attr-defined]


class ReleaseEditForm(PlacesMixin, forms.ModelForm):
    """The desk's corrections to a release before it is decided."""

    class Meta:
        model = PressRelease
        fields = ["title", "summary", "body", "countries", "regions", "include_in_digest",
                  "organisation", "contact_name", "contact_phone"]


class SubmissionForm(PlacesMixin):
    organisation = forms.CharField(max_length=200, help_text="As it should appear: "
                                   "“Source: press release from …”.")
    contact_name = forms.CharField(max_length=200, label="Contact name")
    contact_email = forms.EmailField(label="Contact email", help_text="We send a link to this "
                                     "address: your release reaches an editor once you open it.")
    contact_phone = forms.RegexField(
        regex=r"^\+?[0-9][0-9 ().\-]{5,30}$", max_length=40, label="Contact phone",
        help_text="For the editor only; never published.",
        error_messages={"invalid": "Enter a phone number: digits, spaces and + ( ) - only."})
    title = forms.CharField(max_length=200, help_text="At most 200 characters.")
    summary = forms.CharField(min_length=30, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="One to three sentences, 30 to 500 characters. Shown "
                                        "on lists and in search results.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=f"{MIN_WORDS} to {MAX_WORDS:,} words, at most {MAX_LINKS} links. Markdown: "
                  "**bold**, *italic*, [a link](https://…), ## a heading, - a list. HTML is "
                  "shown as text.")
    pdf = forms.FileField(required=False, label="PDF (optional)",
                          widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
                          help_text=f"At most {DEFAULT_MAX_BYTES // MB} MB, without scripts, "
                                    "forms or attachments.")
    consent = forms.BooleanField(
        label="I have the right to publish this release and its images, and I accept that an "
              "editor may edit, decline or publish it, labelled as a press release.",
        error_messages={"required": "Please accept the terms to send your release."})
    challenge_token = forms.CharField(widget=forms.HiddenInput)
    challenge_answer = forms.IntegerField(label="Question", min_value=0, max_value=99,
                                          help_text="In digits. This keeps robots out.",
                                          widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                        "autocomplete": "off"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_IMAGES + 1):
            self.fields[f"image_{n}"] = forms.FileField(
                required=False, label=f"Image {n}", help_text=IMAGE_HELP if n == 1 else "",
                widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES}))
            self.fields[f"caption_{n}"] = forms.CharField(required=False, max_length=300,
                                                          label=f"Caption {n}")
            self.fields[f"credit_{n}"] = forms.CharField(
                required=False, max_length=200, label=f"Credit {n}",
                help_text="Who took it or owns it; needed with each image." if n == 1 else "")
        self.order_fields([
            "organisation", "contact_name", "contact_email", "contact_phone", "title",
            "summary", "body", "countries", "regions",
            *[f"{part}_{n}" for n in range(1, MAX_IMAGES + 1)
              for part in ("image", "caption", "credit")],
            "pdf", "consent", "challenge_token", "challenge_answer"])

    def set_challenge(self, challenge: spam.Challenge) -> None:
        """Show a new question; a re-shown form never keeps the old token or answer."""
        self.fields["challenge_answer"].label = challenge.question
        self["challenge_answer"].label = challenge.question  # a validated form has built it
        if self.is_bound:
            self.data = self.data.copy()
            self.data["challenge_token"] = challenge.token
            self.data["challenge_answer"] = ""
        else:
            self.initial["challenge_token"] = challenge.token

    def clean_title(self) -> str:
        return _one_line(self.cleaned_data["title"])

    def clean_organisation(self) -> str:
        return _one_line(self.cleaned_data["organisation"])

    def clean_contact_name(self) -> str:
        return _one_line(self.cleaned_data["contact_name"])

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        errors = []
        words = word_count(body)
        if not MIN_WORDS <= words <= MAX_WORDS:
            errors.append(f"The release must have {MIN_WORDS} to {MAX_WORDS:,} words; it has "
                          f"{words:,}.")
        links = link_count(body)
        if links > MAX_LINKS:
            errors.append(f"The release may have at most {MAX_LINKS} links; it has {links}.")
        if errors:
            raise forms.ValidationError(errors)
        return body

    def clean_pdf(self) -> object:
        upload = self.cleaned_data.get("pdf")
        if not upload:
            return None
        try:
            return check_pdf(upload, client_name=upload.name or "")
        except MediaRejected as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self) -> dict[str, Any]:
        # Control characters are no text: no page, feed or sitemap may hold one.
        data = {name: NOT_TEXT.sub("", value) if isinstance(value, str) else value
                for name, value in (super().clean() or {}).items()}
        data["images"] = []
        token = data.get("challenge_token", "")
        # Images are decoded only for a form a person has answered: an answer that is no
        # number in range already has its error, and stops here too.
        if "challenge_answer" not in data:
            return data
        if not spam.challenge_answer_ok(token, data["challenge_answer"]):
            self.add_error("challenge_answer", "That is not the answer, or the form was open "
                           "too long. Please answer the new question.")
            return data
        images: list[ImageUpload] = []
        for n in range(1, MAX_IMAGES + 1):
            upload: UploadedFile | None = data.get(f"image_{n}")
            if not upload:
                continue
            try:
                checked = check_image(upload, client_name=upload.name or "", limits=IMAGE_LIMITS)
            except MediaRejected as exc:
                self.add_error(f"image_{n}", exc.message)
                continue
            credit = _one_line(data.get(f"credit_{n}", ""))
            if not credit:
                self.add_error(f"credit_{n}", "Say who took or owns this image.")
                continue
            images.append(ImageUpload(checked=checked,
                                      caption=_one_line(data.get(f"caption_{n}", "")),
                                      credit=credit))
        data["images"] = images
        return data

    def service_arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "organisation": d["organisation"], "contact_name": d["contact_name"],
            "contact_email": d["contact_email"], "contact_phone": d["contact_phone"],
            "title": d["title"], "summary": d["summary"].strip(), "body": d["body"],
            "countries": d["countries"], "regions": d["regions"], "images": d["images"],
            "pdf": d["pdf"],
        }


class DecisionForm(forms.Form):
    APPROVE_NOW, APPROVE_LATER, REJECT = "publish_now", "publish_at", "reject"
    decision = forms.ChoiceField(widget=forms.RadioSelect, choices=[
        (APPROVE_NOW, "Approve and publish now"),
        (APPROVE_LATER, "Approve and publish at a set time"),
        (REJECT, "Reject"),
    ])
    publish_at = forms.DateTimeField(
        required=False, label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In the site's time zone.")
    include_in_digest = forms.BooleanField(required=False, label="Offer it to the digests")
    reject_reason = forms.ChoiceField(required=False, choices=[("", "---------"),
                                                               *RejectReason.choices],
                                      label="Reason")
    reject_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  label="Note to the sender",
                                  help_text="Sent with the reason.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == self.APPROVE_LATER and not data.get("publish_at"):
            self.add_error("publish_at", "Give the time to publish at.")
        if decision == self.REJECT:
            if not data.get("reject_reason"):
                self.add_error("reject_reason", "Choose a reason.")
            elif data["reject_reason"] == RejectReason.OTHER and not data.get("reject_note"):
                self.add_error("reject_note", "Say why in a note.")
        return data
