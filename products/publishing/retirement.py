"""Old versions retired with care: deprecated first, removed at a later publish, never while something runs them.

A provisioning artifact beyond ``publish.keep_versions`` (``versions.retiring``):
- not yet deprecated: it stays in the portfolio and publish marks it ``Guidance: DEPRECATED`` (UpdateProvisioningArtifact,
  after the portfolio stack): users can no longer start projects from it, projects running it keep working
  (ProvisioningArtifactDetail, Guidance). CloudFormation's ProvisioningArtifactParameters have no Guidance, hence
  the API call;
- deprecated and run by a provisioned product of this account (Service Catalog's SearchProvisionedProducts: the
  SageMaker projects on this route and anything launched from the product directly), or the portfolio is shared
  with other accounts, whose provisioned products this account cannot see: it stays, and the plan says why;
- deprecated and run by none: it leaves the portfolio template (the stack update removes it).

The S3 route needs no such care: Studio offers only the template at the product's key, which publish replaces, and a
project's stack keeps its own copy of the template it was made from (updates name the new one, ``upgrade``).
Reads happen only when a version is retiring: the portfolio stack's outputs, and each such product's artifacts and
provisioned products.
"""

from dataclasses import dataclass

from products.catalog.config import CatalogConfig
from products.catalog.portfolio import product_id_output
from products.publishing.aws import Aws
from products.publishing.stacks import stack_outputs

DEPRECATED = "DEPRECATED"
SHARED = ("accounts the portfolio is shared with (not visible from here)",)


@dataclass(frozen=True)
class Retirement:
    product: str
    logical_id: str  # the product's resource in the portfolio stack
    product_id: str
    artifact_id: str
    version: str
    action: str  # "deprecate", "keep" (deprecated, a project runs it) or "remove"
    held_by: tuple[str, ...] = ()

    @property
    def kept(self) -> bool:
        return self.action in ("deprecate", "keep")

    def line(self) -> str:
        held = f"run by {', '.join(self.held_by)}" if self.held_by else "nothing runs it"
        return {
            "deprecate": f"deprecate {self.product} version {self.version} (no new projects from it; {held}; "
                         "removed at a later publish once nothing runs it)",
            "keep": f"keep {self.product} version {self.version}, deprecated: {held}",
            "remove": f"remove {self.product} version {self.version} (deprecated at an earlier publish; {held})",
        }[self.action]

    def as_dict(self) -> dict:
        return {"product": self.product, "version": self.version, "action": self.action, "held_by": list(self.held_by)}


def plan_retirements(aws: Aws, config: CatalogConfig, fresh: dict, retiring: dict[str, list[str]],
                     shared: bool = False) -> list[Retirement]:
    """What happens to each retiring version (``retiring``: product logical id -> version names). ``shared``: the
    portfolio is shared with other accounts, whose provisioned products this account cannot see: nothing is removed."""
    if not retiring:
        return []
    outputs = stack_outputs(aws.client("cloudformation"), config.publish.portfolio_stack) or {}
    by_logical_id = {fresh["Outputs"][product_id_output(name)]["Value"]["Ref"]: name for name in config.products
                     if product_id_output(name) in fresh.get("Outputs", {})}
    servicecatalog = aws.client("servicecatalog")
    retirements = []
    for logical_id, names in retiring.items():
        product = by_logical_id.get(logical_id, logical_id)
        product_id = outputs.get(product_id_output(product), "")
        artifacts = {a["Name"]: a for a in servicecatalog.list_provisioning_artifacts(
            ProductId=product_id)["ProvisioningArtifactDetails"]} if product_id else {}
        held = _held(servicecatalog, product_id) if product_id else {}
        for name in names:
            artifact = artifacts.get(name, {})
            holders = tuple(held.get(artifact.get("Id"), ())) or (SHARED if shared else ())
            deprecated = not artifact or artifact.get("Guidance") == DEPRECATED  # not listed: nothing to deprecate
            action = "keep" if deprecated and holders else "remove" if deprecated else "deprecate"
            retirements.append(Retirement(product, logical_id, product_id, artifact.get("Id", ""), name, action, holders))
    return retirements


def _held(servicecatalog, product_id: str) -> dict[str, list[str]]:
    """Artifact id -> the provisioned products of this account running it (SageMaker projects on the Service Catalog
    route and anything launched from the product directly; a failed update leaves one on its old version)."""
    held: dict[str, list[str]] = {}
    request = {"AccessLevelFilter": {"Key": "Account", "Value": "self"},
               "Filters": {"SearchQuery": [f"productId:{product_id}"]}, "PageSize": 100}
    while True:
        page = servicecatalog.search_provisioned_products(**request)
        for provisioned in page.get("ProvisionedProducts", []):
            if provisioned.get("ProductId") == product_id:
                held.setdefault(provisioned.get("ProvisioningArtifactId", ""), []).append(provisioned["Name"])
        if not page.get("NextPageToken"):
            return {artifact: sorted(names) for artifact, names in held.items()}
        request["PageToken"] = page["NextPageToken"]


def kept(retirements: list[Retirement]) -> dict[str, set[str]]:
    """Product logical id -> the retiring versions the portfolio keeps listing."""
    found: dict[str, set[str]] = {}
    for retirement in retirements:
        if retirement.kept:
            found.setdefault(retirement.logical_id, set()).add(retirement.version)
    return found


def deprecate(aws: Aws, retirement: Retirement) -> None:
    aws.client("servicecatalog").update_provisioning_artifact(
        ProductId=retirement.product_id, ProvisioningArtifactId=retirement.artifact_id, Guidance=DEPRECATED)
