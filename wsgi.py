"""WSGI entry point: `gunicorn wsgi:app`."""
from inbox.app import create_app

app = create_app()
