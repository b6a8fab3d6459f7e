"""Two newsletters of De Horizon, in Dutch, Turkish and Arabic, sent by e-mail to the
residents who consented, with their deliveries (and one bounce the mail provider
reported). Made through the communications services as the corporation's neighbourhood
manager; idempotent (looked up by title). The demo's mails go nowhere (a dummy backend).
"""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from PIL import Image, ImageDraw

from wijkregie.communications import sending
from wijkregie.communications.models import Newsletter, NewsletterDelivery
from wijkregie.communications.services import newsletters as services
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building

NEWSLETTERS = [
    {
        "title": "Nieuwsbrief De Horizon – voorjaar",
        "days_ago": 60,
        "image": "De nieuwe verlichting in de bergingsgang",
        "versions": {
            "nl": (
                "Wat we doen in uw flat",
                "<p>Beste bewoners,</p><p>Samen met de gemeente, de politie en het "
                "welzijnswerk pakken we de overlast in en rond De Horizon aan. De bergingen "
                "krijgen nieuwe verlichting en sloten, en de portieken worden vaker "
                "schoongemaakt.</p><h2>Heeft u iets gezien?</h2><p>Meld het via de QR-code "
                "in de hal, ook anoniem. <strong>Bij direct gevaar: bel 112.</strong></p>",
            ),
            "tr": (
                "Binanızda neler yapıyoruz",
                "<p>Sevgili sakinler,</p><p>Belediye, polis ve sosyal hizmetlerle birlikte "
                "De Horizon'daki rahatsızlıklarla ilgileniyoruz. Depolara yeni aydınlatma ve "
                "kilitler takılıyor, merdiven boşlukları daha sık temizleniyor.</p><h2>Bir "
                "şey mi gördünüz?</h2><p>Girişteki QR koduyla, isterseniz isimsiz olarak "
                "bildirin. <strong>Acil tehlikede: 112'yi arayın.</strong></p>",
            ),
            "ar": (
                "ما نقوم به في مبناكم",
                "<p>أعزاءنا السكان،</p><p>نعمل مع البلدية والشرطة والعمل الاجتماعي على "
                "معالجة الإزعاج في دي هورايزن وحوله. ستحصل المخازن على إضاءة وأقفال جديدة، "
                "وسيتم تنظيف المداخل بشكل أكثر.</p><h2>هل رأيتم شيئًا؟</h2><p>أبلغوا عبر "
                "رمز QR في المدخل، ويمكن ذلك دون ذكر الاسم. <strong>في حالة الخطر: اتصلوا "
                "بالرقم 112.</strong></p>",
            ),
        },
    },
    {
        "title": "Nieuwsbrief De Horizon – bewonersavond",
        "days_ago": 14,
        "image": None,
        "versions": {
            "nl": (
                "Uitnodiging: bewonersavond in De Horizon",
                "<p>Beste bewoners,</p><p>Op donderdag 12 maart bent u van harte welkom op "
                "de bewonersavond in de ontmoetingsruimte, van 19.30 tot 21.00 uur. U kunt "
                "vrijuit vertellen wat u ziet en wat er beter kan.</p><ul><li>Koffie en "
                "thee staan klaar</li><li>Tolken Turks en Arabisch zijn aanwezig</li></ul>",
            ),
            "tr": (
                "Davet: De Horizon sakinler toplantısı",
                "<p>Sevgili sakinler,</p><p>12 Mart Perşembe günü saat 19.30–21.00 arasında "
                "buluşma salonundaki sakinler toplantısına davetlisiniz. Gördüklerinizi ve "
                "neyin daha iyi olabileceğini özgürce anlatabilirsiniz.</p><ul><li>Kahve ve "
                "çay hazır</li><li>Türkçe ve Arapça tercümanlar olacak</li></ul>",
            ),
            "ar": (
                "دعوة: أمسية السكان في دي هورايزن",
                "<p>أعزاءنا السكان،</p><p>يسعدنا حضوركم أمسية السكان يوم الخميس 12 مارس في "
                "قاعة اللقاء، من الساعة 19:30 حتى 21:00. يمكنكم التحدث بحرية عما ترونه وما "
                "يمكن تحسينه.</p><ul><li>القهوة والشاي متوفران</li><li>يحضر مترجمون للتركية "
                "والعربية</li></ul>",
            ),
        },
    },
]


def _image() -> bytes:
    image = Image.new("RGB", (640, 360), (26, 77, 128))
    draw = ImageDraw.Draw(image)
    for x in range(40, 640, 120):
        draw.rectangle([x, 60, x + 60, 300], fill=(240, 200, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _newsletter(actor, horizon: Building, spec: dict) -> Newsletter:
    existing = Newsletter.objects.filter(title=spec["title"], buildings=horizon).first()
    if existing is not None:
        return existing
    subject, body = spec["versions"]["nl"]
    newsletter, _removed = services.newsletter_create(
        actor=actor, title=spec["title"], building_ids=[horizon.pk], subject=subject, body=body
    )
    for language, (subject, body) in spec["versions"].items():
        if language != "nl":
            services.version_save(
                actor=actor,
                newsletter_id=newsletter.pk,
                language=language,
                subject=subject,
                body=body,
            )
    if spec["image"]:
        services.image_add(
            actor=actor, newsletter_id=newsletter.pk, content=_image(), alt_text=spec["image"]
        )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        services.newsletter_send(actor=actor, newsletter_id=newsletter.pk)
        sending.deliver_pending(newsletter_id=newsletter.pk)  # whatever the task backend
    sent_at = timezone.now() - timedelta(days=spec["days_ago"])
    Newsletter.objects.filter(pk=newsletter.pk).update(sent_at=sent_at)
    NewsletterDelivery.objects.filter(newsletter=newsletter).update(sent_at=sent_at)
    return Newsletter.objects.get(pk=newsletter.pk)


def build_newsletters() -> dict:
    horizon = Building.objects.get(name="De Horizon")
    actor = viewer_for(get_user_model().objects.get(username="wijkbeheerder"))
    newsletters = [_newsletter(actor, horizon, spec) for spec in NEWSLETTERS]
    first = NewsletterDelivery.objects.filter(newsletter=newsletters[0]).order_by("pk").first()
    if first is not None and first.event_at is None:
        services.delivery_event_record(
            delivery_id=first.pk,
            event_type="bounced",
            at=first.sent_at + timedelta(minutes=3),
            detail="550 5.1.1 mailbox unavailable",
        )
    return {"newsletters": newsletters}
