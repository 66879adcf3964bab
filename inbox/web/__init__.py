from flask import Blueprint

bp = Blueprint("web", __name__)

from . import admin, channels, inbox_list, pipeline, sla_views, views  # noqa: E402,F401
