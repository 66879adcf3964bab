"""Start one RQ worker: `python worker.py [--burst]` (same as `inbox worker`)."""
import sys

from inbox.app import create_app
from inbox.jobs.worker import run_worker

if __name__ == "__main__":
    run_worker(create_app(), burst="--burst" in sys.argv[1:])
