from flask import Blueprint

bp = Blueprint("web", __name__)

from . import admin, audit, channels, inbox_list, pipeline, privacy, sla_views, views  # noqa: E402,F401
