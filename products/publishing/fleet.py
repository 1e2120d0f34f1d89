"""The fleet report: every SageMaker project in an account made from this catalog's products, and
which of them run an older version than the catalog's current one.

SageMaker's projects cover both routes. A Service Catalog project names its provisioning artifact,
whose name is ``<product version>-<template hash>``, so it is compared with the catalog's current
artifact name. An S3-route project names its template URL; its stack's original template is
compared, by hash, with the catalog's current YAML copy. A project made from anything else is listed
as not this catalog's and never counted as outdated.
"""

import hashlib
from dataclasses import dataclass

from products import PRODUCTS
from products.catalog.config import CatalogConfig
from products.publishing.aws import Aws
from products.publishing.assets import studio_template_key
from products.render.synth import RenderedCatalog

NOT_OURS = "(not this catalog's)"


@dataclass(frozen=True)
class ProjectReport:
    project: str
    project_id: str
    route: str  # servicecatalog | s3
    product: str
    version: str  # what the project runs
    current: str  # what the catalog offers now ("" when not this catalog's product)
    status: str
    last_updated: str
    source: str = ""  # the Service Catalog product id, or the S3 route's template provider name
    stack_ref: str = ""  # its stack: the provisioned product's id (Service Catalog route) or the stack's id (S3 route)

    @property
    def outdated(self) -> bool:
        return bool(self.current) and self.version != self.current

    def as_dict(self) -> dict:
        return {"project": self.project, "project_id": self.project_id, "route": self.route, "product": self.product,
                "version": self.version, "current": self.current, "outdated": self.outdated, "status": self.status,
                "last_updated": self.last_updated}


def _template_version(body: str | bytes) -> str:
    """An S3-route template's version: the first 8 hex digits of its bytes' sha256, as artifact names use."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return hashlib.sha256(data).hexdigest()[:8]


class Fleet:
    def __init__(self, aws: Aws, config: CatalogConfig, catalog: RenderedCatalog):
        self.aws, self.config = aws, config
        self.current_by_title = {PRODUCTS[name].title: (name, a.version) for name, a in catalog.product_templates.items()}
        self.current_by_key = {studio_template_key(config, name): (name, _template_version(a.data))
                               for name, a in catalog.studio_templates.items()}
        self._titles: dict[str, str] = {}

    def projects(self) -> list[ProjectReport]:
        self.aws.account_id()  # credentials and endpoint first: one clear error, in seconds
        sagemaker = self.aws.client("sagemaker")
        reports = []
        for page in sagemaker.get_paginator("list_projects").paginate(SortBy="Name", SortOrder="Ascending"):
            for summary in page.get("ProjectSummaryList", []):
                reports.append(self._report(sagemaker.describe_project(ProjectName=summary["ProjectName"])))
        return reports

    def _report(self, project: dict) -> ProjectReport:
        if project.get("ServiceCatalogProvisioningDetails"):
            route, (product, version, current) = "servicecatalog", self._service_catalog(project["ServiceCatalogProvisioningDetails"])
        else:
            route, (product, version, current) = "s3", self._s3_route(project.get("TemplateProviderDetails", []))
        updated = project.get("LastModifiedTime") or project.get("CreationTime")
        providers = project.get("TemplateProviderDetails") or [{}]
        source = (project["ServiceCatalogProvisioningDetails"]["ProductId"] if route == "servicecatalog"
                  else providers[0].get("CfnTemplateProviderDetail", {}).get("TemplateName", ""))
        stack_ref = (project.get("ServiceCatalogProvisionedProductDetails", {}).get("ProvisionedProductId", "")
                     if route == "servicecatalog" else
                     providers[0].get("CfnTemplateProviderDetail", {}).get("StackDetail", {}).get("Id", ""))
        return ProjectReport(project["ProjectName"], project["ProjectId"], route, product, version, current,
                             project.get("ProjectStatus", "?"), updated.isoformat() if updated else "", source, stack_ref)

    def _service_catalog(self, details: dict) -> tuple[str, str, str]:
        servicecatalog = self.aws.client("servicecatalog")
        product_id = details["ProductId"]
        if product_id not in self._titles:
            described = servicecatalog.describe_product_as_admin(Id=product_id)
            self._titles[product_id] = described["ProductViewDetail"]["ProductViewSummary"]["Name"]
        artifact = servicecatalog.describe_provisioning_artifact(
            ProductId=product_id, ProvisioningArtifactId=details["ProvisioningArtifactId"])["ProvisioningArtifactDetail"]
        product, current = self.current_by_title.get(self._titles[product_id], (NOT_OURS, ""))
        return product, artifact.get("Name", details["ProvisioningArtifactId"]), current

    def _s3_route(self, providers: list[dict]) -> tuple[str, str, str]:
        details = providers[0]["CfnTemplateProviderDetail"] if providers else {}
        key = details.get("TemplateURL", "").split(".amazonaws.com/", 1)[-1]
        if key not in self.current_by_key:
            return NOT_OURS, details.get("TemplateName", "?"), ""
        product, current = self.current_by_key[key]
        stack = details.get("StackDetail", {})
        body = self.aws.client("cloudformation").get_template(
            StackName=stack.get("Id") or stack["Name"], TemplateStage="Original")["TemplateBody"]
        # boto3 hands back a JSON body parsed; the S3 route's YAML stays text, byte for byte as uploaded.
        return product, _template_version(body) if isinstance(body, str) else "unknown (not YAML)", current
