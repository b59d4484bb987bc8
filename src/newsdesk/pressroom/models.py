"""Press releases submitted at /pr, waiting for an editor."""

from django.db import models


class Submission(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    organisation = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    title = models.CharField(max_length=300)
    summary = models.TextField(max_length=1000)
    body = models.TextField(help_text="Markdown, as the submitter wrote it.")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})"
