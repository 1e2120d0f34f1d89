"""Measure publishing against moto_server on 127.0.0.1: wall time and AWS call counts of a
first publish, a no-op re-publish and a one-product change (a seed-code edit, which gives
the product a new template). Run: .venv/bin/python tests/bench_publish.py
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from products.config import load_config  # noqa: E402
from products.publishing.aws import Aws, CallLog  # noqa: E402
from products.publishing.publisher import Options, publish_region  # noqa: E402
from products.synth import SEEDCODE_DIR, synthesize  # noqa: E402


def main() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tests.support.moto_server", str(port)], cwd=REPO_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="testing",
                          AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
        config = load_config()
        with tempfile.TemporaryDirectory() as tmp:
            seedcode = Path(tmp) / "seedcode"
            shutil.copytree(SEEDCODE_DIR, seedcode, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info"))
            runs = [("first publish", synthesize(config, seedcode_dir=seedcode)),
                    ("no-op re-publish", synthesize(config, seedcode_dir=seedcode))]
            (seedcode / "model-deploy" / "NOTES.md").write_text("a change")
            runs.append(("one-product change", synthesize(config, seedcode_dir=seedcode)))
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
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
