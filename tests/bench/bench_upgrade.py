"""The calls and time ``publish.py upgrade`` takes to plan and to apply the upgrade of N projects, in the local AWS.

For each N: a fresh emulator, the catalog published (version 1), N build-train projects created as Studio does
(alternating the Service Catalog and S3 routes), version 2 published (the bucket tagged, one new parameter with a
default), then the plan, the apply and a second plan (the no-op) timed, with the AWS calls each made, per operation.
The local AWS answers in milliseconds where AWS takes seconds (a change set, a stack update): the call counts are what
carries over to AWS, the times show how the work grows with N.

Run: .venv/bin/python tests/bench/bench_upgrade.py [N ...]   (default: 1 10 100)
"""

import os
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from products import PRODUCTS  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.local_aws.codepipeline_runs import NO_CREATION_RUNS  # noqa: E402
from products.local_aws.emulator import moto_server  # noqa: E402
from products.publishing.aws import Aws, CallLog  # noqa: E402
from products.publishing.publication import Publication  # noqa: E402
from products.publishing.upgrade import Selection, Upgrade  # noqa: E402
from products.render.synth import synthesize  # noqa: E402
from tests.local_aws.studio import REGION, create_project, publish_for_studio  # noqa: E402
from tests.publishing.test_upgrade import _tagged_and_a_new_parameter  # noqa: E402

PRODUCT = "build-train"


def _version_2() -> None:
    product = PRODUCTS[PRODUCT]

    def build(settings):
        template = product.build(settings)
        _tagged_and_a_new_parameter(template)
        return template
    PRODUCTS[PRODUCT] = replace(product, build=build)


def _timed(label: str, call, n: int):
    log = CallLog()
    started = time.perf_counter()
    result = call(Aws(REGION, log=log))
    seconds = time.perf_counter() - started
    counts = Counter(log.calls)
    per_project = ", ".join(f"{op.split(':')[1]} {count / n:.2f}" for op, count in sorted(counts.items()))
    print(f"  {label:<10} {seconds:7.2f}s  {len(log.calls):5} calls ({len(log.writes)} writes)  per project: {per_project}")
    return result, len(log.writes)


def run(n: int) -> None:
    config = load_config(DEFAULT_CONFIG, PRODUCTS)
    original = PRODUCTS[PRODUCT]
    with moto_server(env={NO_CREATION_RUNS: "1"}) as endpoint:
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                           "AWS_DEFAULT_REGION": REGION})
        os.environ.pop("AWS_PROFILE", None)
        catalog = publish_for_studio(config, synthesize(config))
        for index in range(n):
            route = "servicecatalog" if index % 2 == 0 else "s3"
            create_project(catalog, PRODUCT, route, f"p{index:03d}", {})
        _version_2()
        try:
            artifacts = synthesize(config)
            Publication(catalog.config, [catalog.aws], artifacts, catalog.config.publish.targets, say=lambda *_: None,
                        poll_seconds=0.1).run(apply=True, ask=lambda question: True)
            print(f"{n} project(s):")
            selection = Selection()
            planned, _ = _timed("plan", lambda aws: Upgrade(aws, catalog.config, artifacts, lambda *_: None, 0.1).plan(selection), n)
            _timed("apply", lambda aws: Upgrade(aws, catalog.config, artifacts, lambda *_: None, 0.1).apply(planned), n)
            upgraded = sum(u.outcome == "upgraded" for u in planned)
            again, writes = _timed("no-op", lambda aws: Upgrade(aws, catalog.config, artifacts, lambda *_: None, 0.1).plan(selection), n)
            print(f"  upgraded {upgraded} of {len(planned)}; the second plan found {len(again)} to do and wrote {writes} time(s)")
        finally:
            PRODUCTS[PRODUCT] = original


def main(sizes: list[str]) -> int:
    for n in [int(s) for s in sizes] or [1, 10, 100]:
        run(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
