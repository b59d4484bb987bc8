"""Newsletter sign-ups."""

from django.db import models


class Subscriber(models.Model):
    email = models.EmailField(unique=True)
    regions = models.JSONField(default=list, blank=True, help_text="Region slugs; empty means all.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email
