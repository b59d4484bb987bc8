"""The desk's forms: a source's settings (new or saved) and an article's edit."""

from __future__ import annotations

from typing import Any

from cssselect import GenericTranslator, SelectorError
from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from newsdesk.articles.models import Article
from newsdesk.ingest.clean import NOT_TEXT
from newsdesk.ingest.places import all_countries, region_names
from newsdesk.sources.models import (
    POLL_MINUTES_MAX,
    POLL_MINUTES_MIN,
    ContentPolicy,
    ImagePolicy,
    PublishPolicy,
    Source,
)
from newsdesk.sources.services import SourceDraft

MAX_REMOVE_SELECTORS = 30
MAX_URL_CHARS = Source._meta.get_field("feed_url").max_length  # home_url's is the same


def _check_selector(selector: str) -> str:
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ValidationError(f"“{selector}” is not a CSS selector we can use ({exc}).") from exc
    return selector


def _https_urls(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A URL typed without a scheme is taken as https."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


def _poll_minutes_field() -> forms.IntegerField:
    """The polling interval, with the same bounds for a new source and a saved one."""
    return forms.IntegerField(min_value=POLL_MINUTES_MIN, max_value=POLL_MINUTES_MAX, initial=30,
                              label="Poll every (minutes)",
                              help_text=f"{POLL_MINUTES_MIN} to {POLL_MINUTES_MAX:,} (a week).")


def _codes(typed: str) -> list[str]:
    """ISO codes typed as "KE, tz ug": checked against the gazetteer, upper-cased."""
    codes = [part.upper() for part in typed.replace(",", " ").split()]
    known = all_countries()
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(f"Unknown country code: {', '.join(unknown)}. "
                              "Use ISO 3166 two-letter codes, e.g. KE, FR.")
    return list(dict.fromkeys(codes))


class RulesMixin(forms.Form):
    """The settings shared by a new source and a saved one, beyond the model's own fields."""

    regions = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Default regions",
        help_text="Filed under these when the text names no country.")
    countries = forms.CharField(
        required=False, label="Default countries",
        help_text="ISO codes, comma-separated (e.g. KE, TZ): used when the text names none.")
    body_selector = forms.CharField(
        required=False, max_length=300, label="Body selector",
        help_text="CSS selector of the element that holds the article text, e.g. "
                  "“div.entry-content”. Empty: the generic extractor decides.")
    remove_selectors = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Remove",
        help_text="CSS selectors of parts to drop before extracting, one per line, "
                  "e.g. “.newsletter-box”.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = list(region_names().items())

    def clean_countries(self) -> list[str]:
        return _codes(self.cleaned_data.get("countries", ""))

    def clean_body_selector(self) -> str:
        selector = self.cleaned_data.get("body_selector", "").strip()
        return _check_selector(selector) if selector else ""

    def clean_remove_selectors(self) -> list[str]:
        typed = self.cleaned_data.get("remove_selectors", "")
        lines = [line.strip() for line in typed.splitlines() if line.strip()]
        if len(lines) > MAX_REMOVE_SELECTORS:
            raise ValidationError(f"At most {MAX_REMOVE_SELECTORS} selectors.")
        return [_check_selector(line) for line in lines]

    def extraction_rule(self) -> dict[str, object]:
        rule: dict[str, object] = {}
        if self.cleaned_data.get("body_selector"):
            rule["body"] = self.cleaned_data["body_selector"]
        if self.cleaned_data.get("remove_selectors"):
            rule["remove"] = self.cleaned_data["remove_selectors"]
        return rule


class SourceAddForm(RulesMixin):
    """Add a source: a feed or site URL first, then settings, a preview, and save."""

    url = forms.URLField(max_length=MAX_URL_CHARS, label="Feed or site URL", assume_scheme="https",
                         help_text="A feed's address, or a site's page that advertises its feeds.")
    feed_url = forms.ChoiceField(required=False, label="Feed", widget=forms.RadioSelect,
                                 help_text="The page offers several feeds: pick one.")
    name = forms.CharField(max_length=200, required=False,
                           help_text="Empty: the feed's own title.")
    credit = forms.CharField(max_length=200, initial="RSS",
                             help_text="Shown as “Source of original article: CREDIT (domain)”.")
    image_policy = forms.ChoiceField(choices=ImagePolicy.choices, initial=ImagePolicy.SOURCE,
                                     label="Images")
    content = forms.ChoiceField(choices=ContentPolicy.choices, initial=ContentPolicy.FULL,
                                label="Text")
    publish = forms.ChoiceField(choices=PublishPolicy.choices, initial=PublishPolicy.REVIEW)
    poll_minutes = _poll_minutes_field()
    include_keywords = forms.CharField(
        required=False, label="Only items with", max_length=2000,
        help_text="Words or phrases, comma-separated, whole words, any case. Empty: every item.")
    exclude_keywords = forms.CharField(required=False, label="Never items with", max_length=2000,
                                       help_text="Words or phrases, comma-separated.")
    home_url = forms.URLField(required=False, widget=forms.HiddenInput, max_length=MAX_URL_CHARS,
                              assume_scheme="https")

    field_order = ["url", "feed_url", "name", "credit", "image_policy", "content", "publish",
                   "regions", "countries", "poll_minutes", "include_keywords", "exclude_keywords",
                   "body_selector", "remove_selectors"]

    def __init__(self, *args: Any, feed_choices: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed_url"].choices = feed_choices or []
        if self.is_bound and "feed_url" in self.data and not feed_choices:
            # Choices come from the page, fetched again on every step; keep what was posted.
            posted = self.data.get("feed_url", "")
            self.fields["feed_url"].choices = [(posted, posted)] if posted else []

    def draft(self) -> SourceDraft:
        data = self.cleaned_data
        return SourceDraft(
            feed_url=data.get("feed_url") or data["url"],
            name=data["name"].strip(),
            home_url=data.get("home_url", ""),
            credit=data["credit"].strip() or "RSS",
            image_policy=data["image_policy"],
            content=data["content"],
            publish=data["publish"],
            default_regions=tuple(data["regions"]),
            default_countries=tuple(data["countries"]),
            poll_minutes=data["poll_minutes"],
            include_keywords=data["include_keywords"].strip(),
            exclude_keywords=data["exclude_keywords"].strip(),
            extraction_rule=self.extraction_rule(),
        )


class SourceAdminForm(RulesMixin, forms.ModelForm):
    """A saved source's settings: the JSON fields are edited as plain fields."""

    poll_minutes = _poll_minutes_field()

    class Meta:
        model = Source
        formfield_callback = _https_urls
        fields = ["name", "feed_url", "home_url", "domain", "credit", "image_policy", "content",
                  "publish", "poll_minutes", "include_keywords", "exclude_keywords"]
        widgets = {"include_keywords": forms.Textarea(attrs={"rows": 2}),
                   "exclude_keywords": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.instance
        rule = source.extraction_rule or {}
        self.initial.setdefault("regions", source.default_regions or [])
        self.initial.setdefault("countries", ", ".join(source.default_countries or []))
        self.initial.setdefault("body_selector", rule.get("body", ""))
        self.initial.setdefault("remove_selectors", "\n".join(rule.get("remove", [])))

    def save(self, commit: bool = True) -> Source:
        source: Source = super().save(commit=False)
        source.default_regions = list(self.cleaned_data["regions"])
        source.default_countries = list(self.cleaned_data["countries"])
        rule = dict(source.extraction_rule or {})
        rule.pop("body", None)
        rule.pop("remove", None)
        source.extraction_rule = {**rule, **self.extraction_rule()}
        if commit:
            source.save()
        return source


ARTICLE_EDIT_FIELDS = ("title", "summary", "body_html", "image_source", "image_url", "image_alt",
                       "image_caption", "image_credit", "primary_country", "primary_region")


class ArticleEditForm(forms.ModelForm):
    """What an editor may change in an article; the service re-sanitises the body."""

    countries = forms.CharField(required=False, help_text="ISO codes, most relevant first.")
    regions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    quotes = forms.CharField(
        required=False, label="Pull quotes", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: the number of the paragraph it stands before, a bar, the "
                  "quote, e.g. “3 | We will not wait.”")

    class Meta:
        model = Article
        formfield_callback = _https_urls
        fields = ARTICLE_EDIT_FIELDS
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}),
                   "body_html": forms.Textarea(attrs={"rows": 18, "class": "desk-body"})}
        labels = {"body_html": "Body (HTML)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        article = self.instance
        self.fields["regions"].choices = list(region_names().items())
        self.fields["primary_region"].widget = forms.Select(
            choices=[("", "—"), *region_names().items()])
        if article.pk:
            places = list(article.places.values_list("kind", "code"))
            self.initial.setdefault("countries", ", ".join(c for k, c in places if k == "country"))
            self.initial.setdefault("regions", [c for k, c in places if k == "region"])
            self.initial.setdefault("quotes", "\n".join(
                f"{q.get('position', 0)} | {q.get('text', '')}" for q in article.pull_quotes or []))

    def clean_countries(self) -> list[str]:
        return _codes(self.cleaned_data.get("countries", ""))

    def clean(self) -> dict[str, Any]:
        # Text pasted from a word processor can carry control characters (a vertical tab for
        # a line break): no page, feed or sitemap may hold one.
        data = super().clean() or {}
        return {name: NOT_TEXT.sub("", value) if isinstance(value, str) else value
                for name, value in data.items()}

    def clean_primary_region(self) -> str:
        slug = self.cleaned_data.get("primary_region", "")
        if slug and slug not in region_names():
            raise ValidationError("Choose one of the regions.")
        return slug

    def clean_primary_country(self) -> str:
        code = self.cleaned_data.get("primary_country", "").strip().upper()
        return _codes(code)[0] if code else ""

    def clean_quotes(self) -> list[dict[str, object]]:
        quotes = []
        for number, line in enumerate(self.cleaned_data.get("quotes", "").splitlines(), 1):
            if not line.strip():
                continue
            position, bar, text = line.partition("|")
            if not bar or not position.strip().isdigit() or not text.strip():
                raise ValidationError(f"Line {number}: write “paragraph number | quote”.")
            quotes.append({"text": " ".join(text.split()), "position": int(position)})
        return quotes

    def changes(self) -> dict[str, object]:
        """The edit as the article_update service takes it."""
        data = self.cleaned_data
        changes = {name: data[name] for name in ARTICLE_EDIT_FIELDS if name in data}
        if "quotes" in data:
            changes["pull_quotes"] = data["quotes"]
        return changes
