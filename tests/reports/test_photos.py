"""Photos are checked by content, size-capped and re-encoded without any metadata (BRIEF 2)."""

import io

from django.utils import translation

import pytest
from PIL import Image, PngImagePlugin

from wijkregie.reports import photos
from wijkregie.reports.photos import PhotoRejected, sanitise_photo

MARKERS = [b"MarkerCamCo", b"MarkerModel 9", b"Marker Owner", b"2024:05:06 07:08:09"]
MB = 1024 * 1024


def jpeg_with_metadata(size=(64, 48), orientation=None) -> bytes:
    im = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "MarkerCamCo"  # Make
    exif[0x0110] = "MarkerModel 9"  # Model
    exif[0x013B] = "Marker Owner"  # Artist
    exif[0x9003] = "2024:05:06 07:08:09"  # DateTimeOriginal
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps[1] = "N"
    gps[2] = (52.0, 5.0, 30.0)
    gps[3] = "E"
    gps[4] = (5.0, 7.0, 11.0)
    out = io.BytesIO()
    im.save(
        out,
        format="JPEG",
        exif=exif,
        comment=b"Marker comment",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>MarkerXMP</x:xmpmeta>",
    )
    return out.getvalue()


def png_bytes(im: Image.Image, pnginfo=None) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG", pnginfo=pnginfo)
    return out.getvalue()


def test_the_input_really_carries_the_markers():
    data = jpeg_with_metadata()

    with Image.open(io.BytesIO(data)) as im:
        assert im.getexif()[0x010F] == "MarkerCamCo"
        assert im.getexif().get_ifd(0x8825)[1] == "N"
        assert "xmp" in im.info
        assert im.info["comment"] == b"Marker comment"
    for marker in [*MARKERS, b"Marker comment", b"MarkerXMP"]:
        assert marker in data


def test_a_jpeg_comes_out_without_exif_gps_xmp_or_comment():
    result = sanitise_photo(jpeg_with_metadata(), max_bytes=10 * MB)

    assert result.content_type == "image/jpeg"
    assert (result.width, result.height) == (64, 48)
    with Image.open(io.BytesIO(result.content)) as out:
        assert out.format == "JPEG"
        assert dict(out.getexif()) == {}
        assert out.getexif().get_ifd(0x8825) == {}
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"):
            assert key not in out.info
    for marker in [*MARKERS, b"Marker comment", b"MarkerXMP", b"Exif\x00\x00"]:
        assert marker not in result.content


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    # Orientation 6: the camera was turned; the stored 64x48 shows upright as 48x64.
    result = sanitise_photo(jpeg_with_metadata(orientation=6), max_bytes=10 * MB)

    assert (result.width, result.height) == (48, 64)
    with Image.open(io.BytesIO(result.content)) as out:
        assert 0x0112 not in out.getexif()


def test_png_text_chunks_are_gone():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Marker Owner")
    info.add_text("Comment", "MarkerCompressed", zip=True)
    info.add_itxt("Description", "MarkerInternational")
    data = png_bytes(Image.new("RGB", (20, 10), (0, 90, 0)), info)
    assert b"Marker Owner" in data

    result = sanitise_photo(data, max_bytes=10 * MB)

    assert result.content_type == "image/jpeg"  # no transparency: stored as JPEG
    with Image.open(io.BytesIO(result.content)) as out:
        assert getattr(out, "text", {}) == {}
    for marker in (b"Marker Owner", b"MarkerInternational", b"tEXt", b"iTXt", b"zTXt"):
        assert marker not in result.content


def test_a_png_with_transparency_stays_png_without_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Marker Owner")
    im = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    im.putpixel((1, 1), (255, 0, 0, 255))

    result = sanitise_photo(png_bytes(im, info), max_bytes=10 * MB)

    assert result.content_type == "image/png"
    with Image.open(io.BytesIO(result.content)) as out:
        assert out.mode == "RGBA"
        assert out.text == {}
        assert out.getpixel((1, 1)) == (255, 0, 0, 255)
    assert b"Marker Owner" not in result.content
    assert b"tEXt" not in result.content


def test_a_webp_is_accepted_and_becomes_a_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(out, format="WEBP")

    result = sanitise_photo(out.getvalue(), max_bytes=10 * MB)

    assert (result.content_type, result.width, result.height) == ("image/jpeg", 30, 20)


def test_an_icc_profile_is_not_kept():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(out, format="JPEG", icc_profile=icc)

    result = sanitise_photo(out.getvalue(), max_bytes=10 * MB)

    with Image.open(io.BytesIO(result.content)) as im:
        assert "icc_profile" not in im.info


def test_a_very_large_photo_is_scaled_down(settings):
    settings.WIJKREGIE_PHOTO_MAX_DIMENSION = 100
    out = io.BytesIO()
    Image.new("RGB", (400, 200), (9, 9, 9)).save(out, format="JPEG")

    result = sanitise_photo(out.getvalue(), max_bytes=10 * MB)

    assert (result.width, result.height) == (100, 50)


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200,  # a Linux executable
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode",
        b"%PDF-1.7\n" + b"0" * 100,
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"GIF89a" + b"\x00" * 100,
    ],
    ids=["elf", "pe", "pdf", "svg", "gif"],
)
def test_a_file_that_is_not_a_jpeg_png_or_webp_is_rejected(data):
    with translation.override("nl"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(data, max_bytes=10 * MB)

    assert str(exc.value.message) == (
        "Dit bestand is geen foto. U kunt foto's sturen in JPEG, PNG of WebP."
    )


def test_a_30_mb_file_is_rejected_before_anything_decodes_it(monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("Image.open must not be called")

    monkeypatch.setattr(photos.Image, "open", no_decoding)
    data = jpeg_with_metadata() + b"\x00" * (30 * MB)

    with translation.override("tr"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(data, max_bytes=10 * MB)

    assert str(exc.value.message) == "Fotoğraf çok büyük. Bir fotoğraf en fazla 10 MB olabilir."


def test_the_default_size_cap_comes_from_the_setting(settings):
    settings.WIJKREGIE_PHOTO_MAX_BYTES = 2 * MB
    data = jpeg_with_metadata() + b"\x00" * (2 * MB)

    with translation.override("en"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(data)

    assert str(exc.value.message) == "The photo is too large. A photo can be at most 2 MB."


def test_a_truncated_jpeg_is_rejected_with_a_clear_message():
    out = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(out, format="JPEG")
    truncated = out.getvalue()[: len(out.getvalue()) // 2]

    with translation.override("nl"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(truncated, max_bytes=10 * MB)

    assert str(exc.value.message) == (
        "De foto is beschadigd of niet compleet. Maak of kies de foto opnieuw."
    )


def test_a_decompression_bomb_is_rejected_by_its_header(settings):
    settings.WIJKREGIE_PHOTO_MAX_PIXELS = 10_000
    data = png_bytes(Image.new("L", (1000, 1000)))  # tiny file, a million pixels

    with translation.override("en"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(data, max_bytes=10 * MB)

    assert str(exc.value.message) == "The photo has too many pixels. Please send a smaller photo."


def test_a_heic_photo_gets_its_own_message():
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64

    with translation.override("en"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(data, max_bytes=10 * MB)

    assert str(exc.value.message).startswith("HEIC photos cannot be used here yet.")


def test_an_empty_file_is_rejected():
    with translation.override("en"), pytest.raises(PhotoRejected) as exc:
        sanitise_photo(b"", max_bytes=10 * MB)

    assert str(exc.value.message) == "The file is empty. Please choose a photo."
