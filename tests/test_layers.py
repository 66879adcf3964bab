"""The floors of inbox/ run one way: tools/layers.py reads the imports with ast and names any import
that runs back up, any import circle, and any import inside a function without its reason."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import layers  # noqa: E402  (tools/ is not a package)


def test_the_floors_hold():
    problems, counts = layers.report()
    assert problems == [], "\n".join(problems)
    assert counts["upward"] <= layers.MAX_UPWARD and counts["circles"] == 0 and counts["deferred"] <= layers.MAX_DEFERRED


def test_the_script_fails_on_a_new_upward_import(tmp_path):
    """A copy of the tree with one more import from the ticket core up into the web layer is refused, by line."""
    tree = tmp_path / "repo"
    (tree / "tools").mkdir(parents=True)
    (tree / "tools" / "layers.py").write_text((ROOT / "tools" / "layers.py").read_text())
    subprocess.run(["cp", "-r", str(ROOT / "inbox"), str(tree / "inbox")], check=True)
    target = tree / "inbox" / "tickets" / "ingest.py"
    target.write_text(target.read_text().replace("from __future__ import annotations\n",
                                                 "from __future__ import annotations\n\nfrom ..web import views  # noqa: F401\n", 1))
    line = target.read_text().splitlines().index("from ..web import views  # noqa: F401") + 1
    done = subprocess.run([sys.executable, str(tree / "tools" / "layers.py"), "--strict"], capture_output=True, text=True)
    assert done.returncode == 1
    assert f"inbox/tickets/ingest.py:{line}: inbox.tickets.ingest imports inbox.web.views from a floor above" in done.stdout


@pytest.mark.parametrize("snippet, expected", [
    ("def f():\n    import json\n", "import inside a function without '# deferred: <why>'"),
    ("def f():\n    import json  # deferred: optional\n", None),
])
def test_imports_inside_functions_must_say_why(tmp_path, snippet, expected):
    tree = tmp_path / "repo"
    (tree / "inbox").mkdir(parents=True)
    (tree / "inbox" / "__init__.py").write_text("")
    (tree / "inbox" / "config.py").write_text(snippet)
    problems, _ = layers.report(tree)
    assert (expected in "\n".join(problems)) if expected else problems == []
