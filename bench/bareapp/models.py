from django.db import models
from django.utils import timezone


class BareReport(models.Model):
    """One table, no foreign keys, no audit: the cheapest honest insert."""

    service_code = models.CharField(max_length=40)
    building_code = models.CharField(max_length=20)
    description = models.TextField(max_length=5000)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"bare report {self.pk}"
