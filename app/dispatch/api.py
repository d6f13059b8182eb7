"""REST API for dispatch."""

from flask_smorest import Blueprint

blp = Blueprint("dispatch", __name__, url_prefix="", description="dispatch")
