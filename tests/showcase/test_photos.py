"""Rating photos: only images, bounded in size and number, re-encoded so no EXIF or GPS survives."""

from __future__ import annotations

import io

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.showcase.models import RatingPhoto

GPS_IFD = 0x8825


def _jpeg_with_gps(size: tuple[int, int] = (3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[GPS_IFD] = {1: "N", 2: (35.0, 51.0, 3.0), 3: "E", 4: (106.0, 38.0, 15.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _rated_order_of_resident(world, serve):  # noqa: ANN001, ANN202
    order = serve({"v1": 60}, stars=5)
    order.placed_by_id = world.users["resident"].id
    db.session.commit()
    return order


def _multipart(data: bytes, name: str) -> tuple[bytes, str]:
    # Encoded here, in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"photo": FileStorage(io.BytesIO(data), filename=name)})
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(client, headers, order_id: int, data: bytes, name: str = "photo.jpg"):  # noqa: ANN001, ANN202
    body, content_type = _multipart(data, name)
    return client.post(
        f"/api/v1/showcase/orders/{order_id}/photos", data=body, headers=headers, content_type=content_type
    )


def test_a_photo_is_stored_without_exif_or_gps_and_shrunk(client, world, serve, token_for, photo_folder) -> None:
    order = _rated_order_of_resident(world, serve)
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(GPS_IFD) is not None
    response = _upload(client, token_for("resident"), order.id, original)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["width"], body["height"]) == (1600, 1067)
    (stored,) = photo_folder.iterdir()
    data = stored.read_bytes()
    assert b"Exif" not in data and b"PhoneMaker" not in data
    with Image.open(stored) as reopened:
        assert dict(reopened.getexif()) == {}
    served = client.get(body["url"])
    try:
        assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == data
    finally:
        served.close()


def test_photos_larger_than_the_body_limit_are_accepted_up_to_their_own(app, client, world, serve, token_for) -> None:
    order = _rated_order_of_resident(world, serve)
    noisy = Image.effect_noise((1200, 1200), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    big = out.getvalue()
    assert app.config["MAX_CONTENT_LENGTH"] < len(big) < app.config["PHOTO_MAX_BYTES"]
    assert _upload(client, token_for("resident"), order.id, big, "big.png").status_code == 201


def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(app, client, world, serve, token_for) -> None:
    order = _rated_order_of_resident(world, serve)
    resident = token_for("resident")
    fake = _upload(client, resident, order.id, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.jpg")
    assert fake.status_code == 422 and "photo" in fake.get_json()["errors"]
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert _upload(client, resident, order.id, gif.getvalue(), "x.gif").status_code == 422
    app.config["PHOTO_MAX_BYTES"], before = 1000, app.config["PHOTO_MAX_BYTES"]
    try:
        assert _upload(client, resident, order.id, _jpeg_with_gps((800, 800))).status_code in (413, 422)
    finally:
        app.config["PHOTO_MAX_BYTES"] = before
    assert db.session.scalar(db.select(db.func.count(RatingPhoto.id))) == 0


def test_only_the_resident_or_staff_add_photos_and_only_three(client, world, serve, token_for) -> None:
    order = _rated_order_of_resident(world, serve)
    small = _jpeg_with_gps((400, 300))
    assert _upload(client, token_for("volunteer"), order.id, small).status_code in (403, 404)
    assert _upload(client, token_for("staff_b"), order.id, small).status_code == 404
    resident = token_for("resident")
    assert [_upload(client, resident, order.id, small).status_code for _ in range(4)] == [201, 201, 201, 409]
    unrated = serve({"v2": 60})
    unrated.placed_by_id = world.users["resident"].id
    db.session.commit()
    assert _upload(client, resident, unrated.id, small).status_code == 409


def test_the_order_page_takes_a_photo(client, world, serve) -> None:
    order = _rated_order_of_resident(world, serve)
    client.post("/login", data={"username": "resident", "password": "pass-1234"})
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="photo-form"' in page
    body, content_type = _multipart(_jpeg_with_gps((600, 400)), "p.jpg")
    sent = client.post(
        f"/orders/{order.id}/photos", data=body, content_type=content_type, follow_redirects=True
    ).get_data(as_text=True)
    assert "/showcase/photos/" in sent
