"""Uploaded files are served only through views that check access, in every mode."""

import importlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import clear_url_caches

import pytest

import wijkregie.urls


@pytest.fixture
def demo_mode_urls(settings):
    """The project's URLs as they are built in demo mode (DEBUG on at import)."""
    settings.DEBUG = True
    settings.DEMO_MODE = True
    importlib.reload(wijkregie.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(wijkregie.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_a_stored_photo_is_not_served_under_media_in_demo_mode(client, demo_mode_urls, settings):
    content = b"marker-of-a-stored-photo"
    name = default_storage.save("reports/photos/0123456789abcdef.jpg", ContentFile(content))
    assert (settings.MEDIA_ROOT / name).read_bytes() == content

    response = client.get(f"/media/{name}")

    assert response.status_code == 404
    assert content not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.django_db
def test_no_url_pattern_serves_the_media_folder(demo_mode_urls):
    patterns = [str(p.pattern) for p in wijkregie.urls.urlpatterns]

    assert [p for p in patterns if "media" in p] == []
