"""Rating photos: checked by what the bytes are (not their name), re-encoded with Pillow so no EXIF (GPS, camera,
time) survives, shrunk to a bounded size, and written under the instance folder."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app

from app.accounts.models import User
from app.core.errors import Forbidden, InvalidTransition, ValidationFailed
from app.extensions import db
from app.orders.models import Order
from app.showcase.models import RatingPhoto

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# A decompression bomb (a tiny file that opens into a huge image) is refused before it is decoded.
MAX_PIXELS = 40_000_000


def photo_dir() -> Path:
    """Where photos are kept: `<instance>/photos`, made on first use (never inside the repository)."""
    base = Path(current_app.config.get("INSTANCE_PATH") or current_app.instance_path)
    folder = base / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def reencode(data: bytes, *, max_side: int) -> tuple[bytes, int, int]:
    """The image as a fresh JPEG without metadata, turned upright and no longer than max_side; refuse non-images."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise ValidationFailed("send a JPEG, PNG or WebP photo", field="photo")
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationFailed("this photo is too large", field="photo")
                image.load()
                upright = ImageOps.exif_transpose(image)
                clean = upright.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError) as error:
        raise ValidationFailed("send a JPEG, PNG or WebP photo", field="photo") from error
    clean.thumbnail((max_side, max_side))
    out = io.BytesIO()
    # A new image object carries no info dict: nothing of the original's EXIF, XMP or ICC is written.
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), clean.width, clean.height


def add_photo(*, user: User, order_id: int, data: bytes) -> RatingPhoto:
    """The resident (or staff for them) adds a photo to the order's rating."""
    from app.accounts.access import may_act_for_resident
    from app.orders.service import get_order

    config = current_app.config
    order: Order = get_order(user=user, order_id=order_id, lock=True)
    if not may_act_for_resident(user, order):
        raise Forbidden("only the resident or station staff may add photos")
    if order.rating is None:
        raise InvalidTransition("rate the service before adding photos", field="order_id")
    if not data:
        raise ValidationFailed("choose a photo", field="photo")
    if len(data) > config["PHOTO_MAX_BYTES"]:
        raise ValidationFailed("this photo is too large", field="photo")
    count = db.session.scalar(db.select(db.func.count(RatingPhoto.id)).where(RatingPhoto.rating_id == order.rating.id))
    if int(count or 0) >= config["PHOTOS_PER_RATING"]:
        raise InvalidTransition("this rating has all the photos it may have", field="photo")
    jpeg, width, height = reencode(data, max_side=config["PHOTO_MAX_SIDE"])
    name = f"{secrets.token_hex(16)}.jpg"
    (photo_dir() / name).write_bytes(jpeg)
    photo = RatingPhoto(
        rating_id=order.rating.id,
        stored_name=name,
        width=width,
        height=height,
        size_bytes=len(jpeg),
        uploaded_by_id=user.id,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def photo_path(photo_id: int) -> Path | None:
    """The file of a photo, or None."""
    photo = db.session.get(RatingPhoto, photo_id)
    if photo is None:
        return None
    path = photo_dir() / photo.stored_name
    return path if path.is_file() else None
