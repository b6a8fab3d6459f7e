"""The mail provider's reports (django-anymail's tracking webhooks, signature checked by
anymail before this signal fires): bounces and complaints onto the newsletter deliveries."""

from django.dispatch import receiver

from anymail.signals import tracking

from wijkregie.communications.services.newsletters import delivery_event_record


@receiver(tracking, dispatch_uid="communications-newsletter-tracking")
def newsletter_tracking(sender, event, esp_name, **kwargs):
    delivery_event_record(
        delivery_id=(event.metadata or {}).get("newsletter_delivery"),
        event_type=event.event_type,
        at=event.timestamp,
        detail=event.description or event.mta_response or event.reject_reason or "",
    )
