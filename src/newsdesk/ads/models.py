"""Advertising booking requests sent from /ads."""

from django.db import models


class BookingRequest(models.Model):
    class Slot(models.TextChoices):
        LEADERBOARD = "leaderboard", "Header leaderboard (728×90)"
        SIDEBAR = "sidebar", "Sidebar (300×250)"
        IN_ARTICLE = "in_article", "In article (300×250)"
        NEWSLETTER = "newsletter", "Newsletter banner (600×200)"

    advertiser = models.CharField(max_length=200)
    contact_email = models.EmailField()
    slot = models.CharField(max_length=20, choices=Slot)
    starts_on = models.DateField()
    ends_on = models.DateField()
    message = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.advertiser}: {self.get_slot_display()}"
