"""The route walker's fixtures (tests/test_web.py): a ticket with hostile text, and a user of each role."""
from tests.test_web import ticket, walk_setup  # noqa: F401
from tests.api.conftest import make_api  # noqa: F401,E402  (API clients with real tokens)
