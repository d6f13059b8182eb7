"""REST API for rosters."""

from flask_smorest import Blueprint

blp = Blueprint("rosters", __name__, url_prefix="/rosters", description="rosters")
