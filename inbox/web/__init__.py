from flask import Blueprint

bp = Blueprint("web", __name__)

from . import admin, api_tokens, attachments, audit, automation, channels, contacts, inbox_list, pipeline, privacy, sla_views, views, webhooks  # noqa: E402,F401,E501
