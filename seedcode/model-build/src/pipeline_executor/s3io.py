"""Move a step's data between S3 and its local container folders, as SageMaker does.

S3Prefix inputs: every object whose key starts with the URI's key lands under the local
path, named by what follows the prefix (a URI that is a whole key lands as its file
name). EndOfJob outputs: every file under the local path is uploaded below the URI.
"""

from pathlib import Path, PurePosixPath

from pipeline_executor.errors import StepFailed


def split_uri(uri: str) -> tuple[str, str]:
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise StepFailed(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def download_prefix(s3, uri: str, target: Path) -> int:
    """Download the objects under ``uri`` into ``target``; the number of files. None found fails."""
    bucket, prefix = split_uri(uri)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            relative = key[len(prefix):].lstrip("/") or PurePosixPath(key).name
            if key.endswith("/"):
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(destination))
            count += 1
    if count == 0:
        raise StepFailed(f"no S3 object found under {uri}")
    return count


def upload_tree(s3, source: Path, uri: str) -> int:
    """Upload every file under ``source`` below ``uri``; the number of files."""
    bucket, prefix = split_uri(uri)
    count = 0
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        key = "/".join(part for part in (prefix.rstrip("/"), path.relative_to(source).as_posix()) if part)
        s3.upload_file(str(path), bucket, key)
        count += 1
    return count


def read_text(s3, uri: str) -> str:
    bucket, key = split_uri(uri)
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except s3.exceptions.NoSuchKey:
        raise StepFailed(f"{uri} does not exist") from None
