"""REST API for coverage."""

from flask_smorest import Blueprint

blp = Blueprint("coverage", __name__, url_prefix="/coverage", description="coverage")
