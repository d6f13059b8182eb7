"""Shared pages: home and the offline API docs."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    """Landing page."""
    return redirect(url_for("api-docs.openapi_swagger_ui")) if False else "Diandan 点单"
