from flask import Blueprint

bp = Blueprint("web", __name__)

from . import channels, views  # noqa: E402,F401
