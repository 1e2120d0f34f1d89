"""Create and delete one project of every product on both of Studio's routes in the local AWS, as a data
scientist does it: the catalog published by the real publisher, CreateProject as a Studio execution role,
DeleteProject. Prints per product and route the time CreateProject took to a created project (the local AWS
creates the stack before it answers) and DeleteProject to a deleted one, and at the end whether anything the
projects made is left (stacks, pipelines, build projects, functions, schedules, endpoints).

Run: .venv/bin/python tests/bench/bench_create_project.py [PRODUCT ...]
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from products import PRODUCTS  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.local_aws.codepipeline_runs import NO_CREATION_RUNS
from products.local_aws.emulator import moto_server  # noqa: E402
from products.render.synth import synthesize  # noqa: E402
from tests.local_aws.studio import REGION, create_project, inventory, publish_for_studio, user_parameters  # noqa: E402


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main(products: list[str]) -> int:
    config = load_config(DEFAULT_CONFIG, PRODUCTS)
    artifacts = synthesize(config)
    git_host_dir = Path(tempfile.mkdtemp(prefix="bench-git-host-"))
    with moto_server(env={"EMULATOR_GIT_HOST_DIR": str(git_host_dir), NO_CREATION_RUNS: "1"}) as endpoint:
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                           "AWS_DEFAULT_REGION": REGION})
        os.environ.pop("AWS_PROFILE", None)
        publish_seconds, catalog = _timed(lambda: publish_for_studio(config, artifacts))
        print(f"published both routes in {publish_seconds:.1f}s")
        before = inventory(catalog.admin)
        sagemaker = catalog.studio.client("sagemaker")
        for product in products or sorted(PRODUCTS):
            for route, prefix in (("servicecatalog", "sc"), ("s3", "s3")):
                name = f"{prefix}-{product}"[:32].rstrip("-")
                parameters = user_parameters(catalog, product, name, git_host_dir)
                created, project = _timed(lambda: create_project(catalog, product, route, name, parameters))
                deleted, _ = _timed(lambda: sagemaker.delete_project(ProjectName=name))
                print(f"{product:<32} {route:<15} {project['ProjectStatus']:<16} create {created:5.2f}s  delete {deleted:5.2f}s")
        left = {kind: sorted(names - before[kind]) for kind, names in inventory(catalog.admin).items()
                if names - before[kind]}
        print(f"left behind: {left or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
