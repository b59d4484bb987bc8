"""One way for the public forms (/pr, /ads, /newsletter/) to show, validate and thank."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def form_page(request: HttpRequest, form_class: type[forms.BaseForm], *, heading: str, intro: str,
              on_valid: Callable[[dict[str, Any]], object], thanks: str) -> HttpResponse:
    """GET shows the form; a valid POST calls `on_valid` (a service) and thanks the sender."""
    form = form_class(request.POST or None) if request.method == "POST" else form_class()
    if request.method == "POST" and form.is_valid():
        on_valid(form.cleaned_data)
        return render(request, "site/thanks.html", {"heading": heading, "thanks": thanks})
    status = 400 if request.method == "POST" else 200
    return render(request, "site/form_page.html",
                  {"form": form, "heading": heading, "intro": intro}, status=status)
