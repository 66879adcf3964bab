"""The route walker's fixtures (tests/test_web.py): a ticket with hostile text, and a user of each role."""
from tests.test_web import ticket, walk_setup  # noqa: F401
