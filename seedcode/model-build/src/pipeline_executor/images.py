"""Which container images the executor can stand in for, and how: one table.

A step names an ECR image URI (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>``).
The executor looks the repository and tag up here; an image not listed fails the step
with its URI, never runs in some other environment by guess.

Each runtime is its own cached virtual environment (environments.py), holding only the
libraries its image has, so a script that imports what its image lacks fails here as it
would in SageMaker. What differs from the real image is said in ``differences`` and in
the seed README: the Python and library versions are this repo's pins, not the image's
(sources: the images' Dockerfiles in aws/sagemaker-scikit-learn-container,
docker/1.2-1/base/Dockerfile.cpu, and aws/sagemaker-xgboost-container,
docker/1.7-1/base/Dockerfile.cpu).
"""

import re
from dataclasses import dataclass
from pathlib import Path

RUNTIMES_DIR = Path(__file__).resolve().parent / "runtimes"
_ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<repository>[^:@]+)[:@](?P<tag>.+)$")


class UnknownImage(ValueError):
    """The image is not in the table; the message names it and what is supported."""


@dataclass(frozen=True)
class ImageRuntime:
    repository: str
    tags: tuple[str, ...]  # the image versions whose behaviour the stand-in follows
    requirements: Path  # the fully pinned libraries of the runtime
    builtin_algorithm: str | None  # what a Training step with this image and no script runs
    differences: str  # what is not the same as in the real image


IMAGES = {
    runtime.repository: runtime
    for runtime in (
        ImageRuntime(
            repository="sagemaker-scikit-learn",
            tags=("1.2-1-cpu-py3",),
            requirements=RUNTIMES_DIR / "sklearn.txt",
            builtin_algorithm=None,
            differences="Python and scikit-learn/pandas/numpy versions are this repo's pins "
                        "(the image: Python 3.9, scikit-learn 1.2.1)",
        ),
        ImageRuntime(
            repository="sagemaker-xgboost",
            tags=("1.7-1",),
            requirements=RUNTIMES_DIR / "xgboost.txt",
            builtin_algorithm="xgboost",
            differences="Python and xgboost versions are this repo's pins (the image: Python 3.8, "
                        "xgboost 1.7.4); the built-in algorithm is the executor's stand-in "
                        "(xgboost_algorithm.py): CSV channels only, model saved as UBJSON",
        ),
    )
}


def runtime_for(image_uri: str) -> ImageRuntime:
    """The runtime that stands in for ``image_uri``; UnknownImage if there is none."""
    match = _ECR_IMAGE.match(image_uri or "")
    if not match:
        raise UnknownImage(f"image {image_uri!r} is not an ECR image URI; known images: {_known()}")
    runtime = IMAGES.get(match["repository"])
    if runtime is None or match["tag"] not in runtime.tags:
        raise UnknownImage(f"image {image_uri} has no local runtime; known images: {_known()} (see images.py)")
    return runtime


def _known() -> str:
    return ", ".join(f"{r.repository}:{tag}" for r in IMAGES.values() for tag in r.tags)
