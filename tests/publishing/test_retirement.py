"""Old versions retired with care (products/publishing/retirement.py), in the local AWS: a version beyond
keep_versions is deprecated first (no new project may start from it), removed at a later publish, and never while a
project runs it; the plan names the projects holding it.
"""

from dataclasses import replace
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from products.publishing.publication import Publication
from products.publishing.upgrade import Selection, Upgrade
from products.publishing.aws import Aws
from products.render.synth import synthesize
from tests.local_aws.studio import REGION, create_project, product_id
from tests.publishing.test_upgrade import _tagged_and_a_new_parameter, _version_2, local_aws  # noqa: F401 - the fixture


def _publish(catalog, config) -> tuple[list, object]:
    """Publish what renders now with keep_versions 0; the retirements the plan made (the provisioned products holding a
    version by the project they are named after: NAME-ID), and the catalog published."""
    artifacts = synthesize(config)
    plan = Publication(catalog.config, [catalog.aws], artifacts, catalog.config.publish.targets, say=lambda *_: None,
                       poll_seconds=0.1).run(apply=True, ask=lambda question: True).plans[0]
    return [(r.product, r.action, tuple(h.split("-p-")[0] for h in r.held_by)) for r in plan.retirements], artifacts


def _versions(catalog, product: str) -> dict[str, str]:
    listed = catalog.admin.client("servicecatalog").list_provisioning_artifacts(ProductId=product_id(catalog, product))
    return {a["Name"]: a["Guidance"] for a in listed["ProvisioningArtifactDetails"]}


def test_a_version_is_deprecated_then_kept_while_a_project_runs_it_then_removed(local_aws, config, monkeypatch):  # noqa: F811
    catalog = SimpleNamespace(**{**vars(local_aws), "config": replace(
        local_aws.config, publish=replace(local_aws.config.publish, keep_versions=0))})
    (version_1,) = _versions(catalog, "build-train")
    create_project(catalog, "build-train", "servicecatalog", "holder", {})

    _version_2(monkeypatch, _tagged_and_a_new_parameter)
    retirements, artifacts = _publish(catalog, config)
    assert sorted(retirements) == [("build-train", "deprecate", ("holder",)), ("build-train-batch", "deprecate", ())]
    versions = _versions(catalog, "build-train")
    assert versions[version_1] == "DEPRECATED" and list(versions.values()).count("DEFAULT") == 1
    with pytest.raises(ClientError, match="is deprecated: new products cannot be provisioned from it"):
        catalog.studio.client("sagemaker").create_project(ProjectName="late", ServiceCatalogProvisioningDetails={
            "ProductId": product_id(catalog, "build-train"),
            "ProvisioningArtifactId": catalog.admin.client("servicecatalog").list_provisioning_artifacts(
                ProductId=product_id(catalog, "build-train"))["ProvisioningArtifactDetails"][0]["Id"]})

    retirements, _ = _publish(catalog, config)  # nothing new: the holder keeps version 1, batch's goes
    assert sorted(retirements) == [("build-train", "keep", ("holder",)), ("build-train-batch", "remove", ())]
    assert version_1 in _versions(catalog, "build-train") and len(_versions(catalog, "build-train-batch")) == 1

    upgrade = Upgrade(Aws(REGION), catalog.config, artifacts, say=lambda *_: None, poll_seconds=0.1)
    upgrade.apply(upgrade.plan(Selection(projects=("holder",))))
    retirements, _ = _publish(catalog, config)
    assert retirements == [("build-train", "remove", ())]
    assert version_1 not in _versions(catalog, "build-train")
