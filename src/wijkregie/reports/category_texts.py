"""A category's name or hint in the resident's language (resident pages and the mails to
reporters): the administrator's text in that language, else our translation of the
seeded English text (msgctxt "category"), else the model's fallback (Dutch)."""

from django.utils import translation
from django.utils.translation import pgettext

from wijkregie.reports.models import Category


def category_text(texts: dict, fallback: str, language: str | None = None) -> str:
    language = language or translation.get_language()
    if texts.get(language):
        return texts[language]
    english = texts.get("en", "")
    if english:
        with translation.override(language):
            translated = pgettext("category", english)
        if translated != english or language == "en":
            return translated
    return fallback


def category_name(category: Category, language: str | None = None) -> str:
    return category_text(category.name or {}, category.name_in(language), language)


def category_hint(category: Category, language: str | None = None) -> str:
    return category_text(category.resident_hint or {}, category.hint_in(language), language)
