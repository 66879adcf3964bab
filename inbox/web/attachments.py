"""Downloading a message's attachment: always as a file, never rendered by the browser."""
from __future__ import annotations

import io

from flask import abort, send_file
from flask_login import login_required

from ..extensions import db
from ..tickets.attachments import MessageAttachment
from .blueprint import bp


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    file = db.session.get(MessageAttachment, attachment_id)
    if file is None:
        abort(404)
    response = send_file(io.BytesIO(file.content), mimetype=file.served_type, as_attachment=True,
                         download_name=file.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
