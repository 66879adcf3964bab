from tests.voice.conftest import post  # noqa: F401  (a week of messages with explicit sentiments)
