"""Measure publishing against moto_server on 127.0.0.1: wall time and AWS call counts of a
first publish, a no-op re-publish, a one-product change (the build-train product's
template description edited, so only that template and the portfolio change) and a seed-code change
(model-deploy, used by two products). Run: .venv/bin/python tests/bench_publish.py
"""

import os
import shutil
import sys
from dataclasses import replace
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from products import PRODUCTS  # noqa: E402
from products.config import load_config  # noqa: E402
from products.emulator import moto_server  # noqa: E402
from products.publishing.aws import Aws, CallLog  # noqa: E402
from products.publishing.publisher import Options, publish_region  # noqa: E402
from products.synth import SEEDCODE_DIR, synthesize  # noqa: E402


def edited(template):
    template.set_description(template.description + " (edited)")
    return template


def main() -> int:
    with moto_server() as endpoint:
        os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
                          AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
        config = load_config()
        with tempfile.TemporaryDirectory() as tmp:
            seedcode = Path(tmp) / "seedcode"
            shutil.copytree(SEEDCODE_DIR, seedcode, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info"))
            runs = [("first publish", synthesize(config, seedcode_dir=seedcode)),
                    ("no-op re-publish", synthesize(config, seedcode_dir=seedcode))]
            original = PRODUCTS["build-train"]
            PRODUCTS["build-train"] = replace(original, build=lambda settings: edited(original.build(settings)))
            runs.append(("one-product change", synthesize(config, seedcode_dir=seedcode)))
            PRODUCTS["build-train"] = original
            (seedcode / "model-deploy" / "NOTES.md").write_text("a change")
            runs.append(("seed-code change", synthesize(config, seedcode_dir=seedcode)))
            for name, artifacts in runs:
                log = CallLog()
                options = Options(apply=True, targets=("servicecatalog",), confirm=lambda *_: True,
                                  say=lambda *_: None, poll_seconds=0)
                started = time.perf_counter()
                result = publish_region(Aws("us-east-1", log=log), config, artifacts, options)
                seconds = time.perf_counter() - started
                actions = ", ".join(f"{s['stack']} {s['action']}" for s in result.stacks)
                print(f"{name:<20} {seconds:6.2f}s  {len(log.calls):3d} calls, {len(log.writes):2d} writes  "
                      f"({len(result.uploaded)} uploads; {actions})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
