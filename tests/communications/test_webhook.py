"""Bounces and complaints from the mail provider (django-anymail, Mailgun): a signed
request is recorded on the delivery, an unsigned or wrongly signed one is refused."""

import hashlib
import hmac
import json
import time

from django.urls import reverse

import pytest

from wijkregie.communications.models import NewsletterDelivery
from wijkregie.communications.services import newsletters as services

KEY = "test-signing-key"


@pytest.fixture
def delivery(world, settings, django_capture_on_commit_callbacks):
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    newsletter = world.newsletter()
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=newsletter.pk)
    return NewsletterDelivery.objects.get(resident=world.residents["bram"])


def _payload(delivery_id, event="failed", key=KEY, signature=None):
    timestamp, token = str(int(time.time())), "a" * 50
    digest = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature or digest},
        "event-data": {
            "event": event,
            "severity": "permanent",
            "reason": "bounce",
            "timestamp": float(timestamp),
            "id": "evt-1",
            "recipient": "bram@example.test",
            "user-variables": {"newsletter_delivery": str(delivery_id)},
            "delivery-status": {"code": 550, "message": "No such mailbox", "description": ""},
            "message": {"headers": {"message-id": "m-1@example.test"}},
        },
    }


def _post(client, payload):
    return client.post(
        reverse("newsletters_public:mailgun_tracking"),
        json.dumps(payload),
        content_type="application/json",
    )


def test_a_signed_bounce_is_recorded(client, delivery):
    response = _post(client, _payload(delivery.pk))
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.status, delivery.event_detail) == ("bounced", "No such mailbox")
    assert delivery.event_at is not None


def test_a_signed_complaint_is_recorded(client, delivery):
    assert _post(client, _payload(delivery.pk, event="complained")).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "complained"


def test_an_unsigned_or_wrongly_signed_request_is_refused(client, delivery):
    unsigned = _payload(delivery.pk)
    del unsigned["signature"]
    assert _post(client, unsigned).status_code == 400
    assert _post(client, _payload(delivery.pk, key="another-key")).status_code == 400
    delivery.refresh_from_db()
    assert (delivery.status, delivery.event_at) == ("sent", None)


def test_without_a_signing_key_there_is_no_webhook(client, delivery, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert _post(client, _payload(delivery.pk)).status_code == 404
