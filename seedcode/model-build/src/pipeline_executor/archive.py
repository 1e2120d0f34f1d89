"""model.tar.gz as SageMaker writes it, but byte-identical for identical files.

tarfile's "w:gz" stamps the gzip header with the current time, so two archives of the
same model differ whenever they are written in different seconds. Here the gzip
header's mtime is 0, members are sorted, and their owner, mode and time are fixed.
"""

import gzip
import io
import tarfile
from pathlib import Path


def deterministic_tar_gz(source: Path) -> bytes:
    """The files under ``source`` (paths relative to it) as a reproducible .tar.gz."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
            data = path.read_bytes()
            info = tarfile.TarInfo(path.relative_to(source).as_posix())
            info.size, info.mtime, info.mode, info.uid, info.gid = len(data), 0, 0o644, 0, 0
            tar.addfile(info, io.BytesIO(data))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0) as gz:
        gz.write(raw.getvalue())
    return compressed.getvalue()
