"""Showcase schemas: a station's public page, the county display's figures, rating photos."""

from __future__ import annotations

from marshmallow import Schema, fields


class ShownActivitySchema(Schema):
    """A held activity, as the public sees it."""

    title = fields.String()
    station = fields.String()
    start = fields.AwareDateTime(attribute="start_at")
    location = fields.String()
    description = fields.String()
    took_part = fields.Integer()


class ShownRatingSchema(Schema):
    """A rating, as the public sees it (the resident's name masked, phone numbers starred)."""

    order_id = fields.Integer()
    service = fields.String()
    service_en = fields.String()
    stars = fields.Integer()
    tags = fields.List(fields.String())
    comment = fields.String()
    resident = fields.String(metadata={"description": "masked, such as 马**"})
    rated_at = fields.AwareDateTime()
    photo_ids = fields.List(fields.Integer())


class ShowcaseSchema(Schema):
    """A station's public showcase (活动风采)."""

    station = fields.Function(lambda s: s.station.name)
    station_code = fields.Function(lambda s: s.station.code)
    activities = fields.List(fields.Nested(ShownActivitySchema))
    ratings = fields.List(fields.Nested(ShownRatingSchema))


class CountyFiguresSchema(Schema):
    """The county display's live figures."""

    county = fields.String()
    as_of = fields.AwareDateTime()
    orders_today = fields.Integer()
    served_today = fields.Integer()
    volunteers_active = fields.Integer(metadata={"description": "volunteers who served in the last 30 days"})
    hours_this_month = fields.Float()
    ratings_this_month = fields.Integer()
    average_stars = fields.Float(allow_none=True)
    activities_coming = fields.Integer()


class PhotoUploadSchema(Schema):
    """One photo file (JPEG, PNG or WebP), sent as multipart/form-data."""

    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class RatingPhotoSchema(Schema):
    """A stored rating photo (re-encoded JPEG, no EXIF)."""

    id = fields.Integer()
    rating_id = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    size_bytes = fields.Integer()
    url = fields.Function(lambda p: f"/showcase/photos/{p.id}.jpg")
