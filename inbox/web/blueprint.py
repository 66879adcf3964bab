"""The blueprints of the web UI. Defined here, apart from their routes, so that any view module can
add routes to any of them without importing another view module."""
from flask import Blueprint

bp = Blueprint("web", __name__)
auth_bp = Blueprint("auth", __name__)
voice_bp = Blueprint("voice", __name__, url_prefix="/voice")
live_bp = Blueprint("live", __name__)
