from flask import Blueprint

bp = Blueprint("web", __name__)

from . import admin, attachments, channels, contacts, inbox_list, pipeline, sla_views, views  # noqa: E402,F401
