"""Photos from residents: checked by content, size-capped, re-encoded without metadata.

BRIEF 2: a photo's metadata (GPS position, camera, time, owner) can identify the reporter,
so nothing of the uploaded file is kept except its pixels. The file name and the
browser's content type are ignored: Pillow decides what the bytes are, and only JPEG,
PNG and WebP decoders are even tried.
"""

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from wijkregie.core.exceptions import ApplicationError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# ISO base media brands of HEIC/HEIF/AVIF photos (iPhones send these). No Pillow plugin
# is installed to decode them, so they get their own message instead of "not a photo".
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
JPEG_QUALITY = 85

_SRGB = None


class PhotoRejected(ApplicationError):
    """The upload is not a photo we accept. `message` is shown to the resident."""


# Only `sanitise_photo` holds this, so only it can make a `SanitisedPhoto`.
_MINT = object()


@dataclass(frozen=True)
class SanitisedPhoto:
    """A photo re-encoded from its pixels alone, with no metadata.

    Made only by `sanitise_photo`: the services that store photos accept nothing else, so
    no web form, API, chat or letter upload can store a photo that skipped the stripping.
    """

    content: bytes
    content_type: str
    width: int
    height: int
    _mint: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self._mint is not _MINT:
            raise TypeError("A SanitisedPhoto is made only by photos.sanitise_photo().")

    @property
    def extension(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"


def max_photo_bytes() -> int:
    return settings.WIJKREGIE_PHOTO_MAX_BYTES


def _max_pixels() -> int:
    return settings.WIJKREGIE_PHOTO_MAX_PIXELS


def _max_dimension() -> int:
    return settings.WIJKREGIE_PHOTO_MAX_DIMENSION


def too_big_message(max_bytes: int):
    return _("The photo is too large. A photo can be at most %(mb)s MB.") % {
        "mb": max_bytes // (1024 * 1024)
    }


def _is_heif(data: bytes) -> bool:
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def _srgb_profile():
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.createProfile("sRGB")
    return _SRGB


def _to_srgb(im: Image.Image) -> Image.Image:
    """Convert colours from an embedded ICC profile to sRGB, so the profile can be dropped
    without the photo looking wrong (a profile can carry a device or owner name)."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, source, _srgb_profile(), outputMode=im.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im


def _has_transparency(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA", "PA"):
        return im.getextrema()[-1][0] < 255
    return im.mode == "P" and "transparency" in im.info


def sanitise_photo(data: bytes, *, max_bytes: int | None = None) -> SanitisedPhoto:
    """Check `data` by its content and return a clean re-encoded copy.

    Guarantees: the result is a JPEG (or a PNG when the photo has transparency) decoded
    from pixels only, turned upright by its EXIF orientation, at most
    WIJKREGIE_PHOTO_MAX_DIMENSION pixels on its long side, with no EXIF, XMP, ICC
    profile, comment or text chunk. Raises `PhotoRejected` with a message for the
    resident; a file over `max_bytes` is refused before anything decodes it.
    """
    max_bytes = max_bytes if max_bytes is not None else max_photo_bytes()
    if len(data) > max_bytes:
        raise PhotoRejected(too_big_message(max_bytes))
    if not data:
        raise PhotoRejected(_("The file is empty. Please choose a photo."))
    if _is_heif(data):
        raise PhotoRejected(
            _(
                "HEIC photos cannot be used here yet. Please send the photo as JPEG: "
                "on an iPhone, choose Settings, Camera, Formats, Most Compatible."
            )
        )
    not_a_photo = _("This file is not a photo. You can send JPEG, PNG or WebP photos.")
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            if probe.width * probe.height > _max_pixels():
                raise PhotoRejected(
                    _("The photo has too many pixels. Please send a smaller photo.")
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as im:
            im.seek(0)  # animated WebP/PNG: the first frame only
            im.load()
            return _reencode(im)
    except PhotoRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoRejected(
            _("The photo has too many pixels. Please send a smaller photo.")
        ) from exc
    except UnidentifiedImageError as exc:
        raise PhotoRejected(not_a_photo) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        # Pillow reports truncated and corrupt files as OSError/SyntaxError.
        raise PhotoRejected(
            _("The photo is damaged or incomplete. Please take or choose the photo again.")
        ) from exc


def _reencode(im: Image.Image) -> SanitisedPhoto:
    im = ImageOps.exif_transpose(im)
    if im.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        im = im.convert("RGB")  # CMYK, 16-bit and friends
    transparent = _has_transparency(im)
    im = im.convert("RGBA" if transparent else "RGB")
    im = _to_srgb(im)
    limit = _max_dimension()
    if max(im.size) > limit:
        im.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of `im.info` (exif, xmp, icc_profile,
    # comment, dpi, text chunks) can travel along, whatever the encoder copies by default.
    clean = Image.frombytes(im.mode, im.size, im.tobytes())
    out = io.BytesIO()
    if transparent:
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return SanitisedPhoto(
        content=out.getvalue(),
        content_type=content_type,
        width=clean.width,
        height=clean.height,
        _mint=_MINT,
    )
