"""The committed templates/ are the golden files: exactly what synth renders now."""

import difflib
from pathlib import Path

from products.render.lint import TEMPLATE_KINDS

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def test_committed_templates_match_synth(artifacts):
    expected = {Path(a.path).name: a.data for a in artifacts if a.kind in TEMPLATE_KINDS}
    committed = {path.name: path.read_bytes() for path in TEMPLATES_DIR.glob("*.json")}
    assert sorted(committed) == sorted(expected), "templates/ lists other files than synth renders; run `make templates`"
    stale = []
    for name, data in expected.items():
        if committed[name] != data:
            diff = difflib.unified_diff(
                committed[name].decode().splitlines(), data.decode().splitlines(),
                f"templates/{name} (committed)", f"templates/{name} (synth)", lineterm="", n=2,
            )
            stale.append("\n".join(list(diff)[:60]))
    assert not stale, "templates/ is stale; run `make templates` and commit:\n" + "\n\n".join(stale)
