"""X API v2 traffic recorded by tweepy's own test suite (vcrpy cassettes: mentions, DM events,
create tweet and DM, users; decoded JSON copies beside them), as kept in the shared eval data, and
the facts of those recordings.

Only the loader lives here; replaying a cassette needs vcrpy, a test library, so the replay itself
stays in `tests/connectors/x/replay.py`."""
from __future__ import annotations

from pathlib import Path

from ..fixtures import recording

# the account tweepy's recordings were made with, as the brand, and the developer account they mention
BRAND_ID, BRAND_HANDLE = "783214", "Twitter"
TWEEPYDEV_ID = "1072250532645998596"


def recorded_folder() -> Path:
    return recording("x_api", "v2")


def recorded_cassette(name: str | Path, *look_first: Path) -> Path:
    """The cassette `name`: a path that exists as given, else the first of `look_first` folders that
    holds it (cassettes a test suite derived from the recordings), else the recordings themselves."""
    if Path(name).is_absolute() and Path(name).exists():
        return Path(name)
    folders = [*look_first, recorded_folder()]
    for folder in folders:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"no cassette {name} in {', '.join(str(f) for f in folders)}")

