"""Each seed repo works on its own: unpacked from its synthesized zip into an empty folder
(no catalog checkout beside it, as a data scientist gets it), its `make check` sets up its
pinned environment and passes. A file, test or command that reaches back into the catalog
fails here."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CATALOG = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("repo", ["model-build", "model-deploy", "image-build"])
def test_make_check_passes_in_the_unpacked_seed_zip(artifacts, tmp_path, repo):
    data = next(a.data for a in artifacts if a.path == f"seedcode/{repo}.zip")
    target = tmp_path / repo
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            archive.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (target / info.filename).chmod(mode)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV", "SAGEMAKER_"))}
    env["PYTHON"] = str(Path(sys.base_prefix) / "bin" / "python3")  # not the catalog's venv
    result = subprocess.run(["make", "check"], cwd=target, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert str(CATALOG) not in output.replace(str(target), "")
