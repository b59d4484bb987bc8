"""The desk's own records: who did what to which article or source, and the alerts sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from newsdesk.sources.models import Source


class AuditEntry(models.Model):
    """One editorial act, kept even when the user or the object is gone."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, help_text="The username at the time.")
    action = models.CharField(max_length=40)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.target_repr}"


class AlertKind(models.TextChoices):
    FAILING = "failing", "started failing"
    QUIET = "quiet", "has gone quiet"
    DISABLED = "disabled", "was disabled"


class SourceAlert(models.Model):
    """A condition editors were told about once; it is raised again only after it cleared."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=AlertKind)
    raised = models.BooleanField(default=True)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "kind"], name="one_alert_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()}"
