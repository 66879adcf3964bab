"""The API's blueprint, apart from its operations so that every view module can add to it."""
from flask import Blueprint

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
