"""A pipeline's artifact store: each action's output artifact a zip in the pipeline's S3 bucket, as CodePipeline
keeps them, read back by the actions that take it as input.

CodePipeline writes an output artifact to ``s3://LOCATION/PIPELINE/ARTIFACT/ID`` (the names shortened to 20
characters; CodePipeline User Guide, "Input and output artifacts"), and an action's role must be allowed to put
and get those objects: each write and read is checked against the role that makes it (iam.py). The objects are
kept in moto's S3, so the bucket shows what ran. Not emulated: the artifact store's KMS key (moto does not
encrypt), artifact stores in other regions.
"""

import io
import secrets
import zipfile
from pathlib import Path

from products.analysis.iam_resources import Authorization
from products.local_aws import iam as emulated_iam


class ArtifactMissing(Exception):
    """An input artifact the execution has not written; the message names it."""


def _s3(account: str):
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def zipped(folder: Path) -> bytes:
    """A folder's files as CodePipeline's CODE_ZIP holds them (paths relative to the folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def unzipped(data: bytes, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder


class ArtifactStore:
    """One execution's artifacts: name -> (bucket, key) of the zip written for it."""

    def __init__(self, account: str, bucket: str, pipeline: str):
        self.account, self.bucket, self.pipeline = account, bucket, pipeline
        self.locations: dict[str, tuple[str, str]] = {}

    def put(self, name: str, folder: Path, role_arn: str, caller: str) -> dict:
        """Write ``folder`` as artifact ``name``, as ``role_arn``; its S3 location, as the API reports it."""
        key = f"{self.pipeline[:20]}/{name[:20]}/{secrets.token_hex(4)}"
        emulated_iam.check(role_arn.split(":")[4], role_arn, [Authorization("s3:PutObject", f"arn:aws:s3:::{self.bucket}/{key}")],
                           caller=caller)
        _s3(self.account).put_object(self.bucket, key, zipped(folder))
        self.locations[name] = (self.bucket, key)
        return {"bucket": self.bucket, "key": key}

    def get(self, name: str, folder: Path, role_arn: str, caller: str) -> Path:
        """Artifact ``name`` unpacked into ``folder``, read as ``role_arn``."""
        if name not in self.locations:
            raise ArtifactMissing(f"input artifact {name} was not written by any action of this execution")
        bucket, key = self.locations[name]
        emulated_iam.check(role_arn.split(":")[4], role_arn, [Authorization("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")],
                           caller=caller)
        return unzipped(_s3(self.account).get_object(bucket, key).value, folder)

    def location(self, name: str) -> dict:
        bucket, key = self.locations[name]
        return {"bucket": bucket, "key": key}
