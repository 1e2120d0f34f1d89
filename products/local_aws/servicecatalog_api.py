"""The Service Catalog operations moto 5.2 lacks, added to its API in the local AWS.

moto answers CreatePortfolio, CreateProduct and a few reads; the portfolio stack's products, versions,
constraints and principals are kept by the local CloudFormation (cloudformation/resource_types/servicecatalog.py).
These operations read them and launch products (servicecatalog_provisioning.py):
- the admin's reads the doctor and the fleet make (DescribeProductAsAdmin, ListProvisioningArtifacts,
  DescribeProvisioningArtifact, ListConstraintsForPortfolio, ListPrincipalsForPortfolio), and publish's when it
  retires a version (SearchProvisionedProducts, one page; UpdateProvisioningArtifact to deprecate it);
- the end user's ProvisionProduct, DescribeRecord, DescribeProvisionedProduct, UpdateProvisionedProduct and
  TerminateProvisionedProduct.
Each request is first checked against botocore's model of the API (api_model.py); the caller is the role whose
credentials signed it (iam.request_role).

Not emulated: pagination (every answer is one page), TagOptions, budgets, product views.
"""

from products.local_aws import api_model
from products.local_aws import servicecatalog_provisioning as provisioning
from products.local_aws.cloudformation.resource_types.servicecatalog import backend


def _portfolio(found, portfolio_id: str):
    if portfolio_id not in found.portfolios:
        raise provisioning.Refused("ResourceNotFoundException", f"Portfolio {portfolio_id} not found")
    return portfolio_id


def _artifact_detail(artifact: dict) -> dict:
    return {k: artifact[k] for k in ("Id", "Name", "Description", "Type", "CreatedTime", "Active", "Guidance")}


def describe_product_as_admin(found, request: dict, caller) -> dict:
    product = provisioning.find_product(found, request.get("Id"), request.get("Name"))
    return {
        "ProductViewDetail": {"ProductViewSummary": product.to_dict(), "Status": "AVAILABLE", "ProductARN": product.arn,
                              "CreatedTime": product.created_time},
        "ProvisioningArtifactSummaries": [{k: a[k] for k in ("Id", "Name", "Description", "CreatedTime")}
                                          for a in product.local_artifacts],
        "Tags": product.tags, "TagOptions": [], "Budgets": [],
    }


def list_provisioning_artifacts(found, request: dict, caller) -> dict:
    product = provisioning.find_product(found, request["ProductId"], None)
    return {"ProvisioningArtifactDetails": [_artifact_detail(a) for a in product.local_artifacts]}


def describe_provisioning_artifact(found, request: dict, caller) -> dict:
    product = provisioning.find_product(found, request.get("ProductId"), request.get("ProductName"))
    artifact = provisioning.find_artifact(product, request.get("ProvisioningArtifactId"),
                                          request.get("ProvisioningArtifactName"))
    return {"ProvisioningArtifactDetail": _artifact_detail(artifact), "Info": {"TemplateUrl": artifact["TemplateUrl"]},
            "Status": "AVAILABLE"}


def search_provisioned_products(found, request: dict, caller) -> dict:
    """The account's provisioned products, filtered by ``SearchQuery`` terms ``field:value`` (the fields this uses:
    productId, provisioningArtifactId, name, status), in one page."""
    terms = [term.split(":", 1) for term in request.get("Filters", {}).get("SearchQuery", []) if ":" in term]
    fields = {"productId": "ProductId", "provisioningArtifactId": "ProvisioningArtifactId", "name": "Name", "status": "Status"}
    keys = ("Name", "Arn", "Type", "Id", "Status", "StatusMessage", "CreatedTime", "IdempotencyToken", "LastRecordId",
            "LastProvisioningRecordId", "LastSuccessfulProvisioningRecordId", "ProductId", "ProvisioningArtifactId")
    found_products = [p for p in found.local_provisioned.values()
                      if all(p.get(fields.get(field, ""), None) == value for field, value in terms)]
    return {"ProvisionedProducts": [{k: p[k] for k in keys if p.get(k) is not None} for p in found_products],
            "TotalResultsCount": len(found_products)}


def update_provisioning_artifact(found, request: dict, caller) -> dict:
    """A version's name, description, Active and Guidance (DEPRECATED: no new provisioned product may use it,
    existing ones keep working: ProvisioningArtifactDetail, Guidance)."""
    product = provisioning.find_product(found, request["ProductId"], None)
    artifact = provisioning.find_artifact(product, request["ProvisioningArtifactId"], None)
    for field in ("Name", "Description", "Active", "Guidance"):
        if field in request:
            artifact[field] = request[field]
    return {"ProvisioningArtifactDetail": _artifact_detail(artifact), "Info": {"TemplateUrl": artifact["TemplateUrl"]},
            "Status": "AVAILABLE"}


def list_constraints_for_portfolio(found, request: dict, caller) -> dict:
    portfolio_id = _portfolio(found, request["PortfolioId"])
    keys = ("ConstraintId", "Type", "Description", "Owner", "ProductId", "PortfolioId")
    return {"ConstraintDetails": [
        {k: c[k] for k in keys} for c in found.local_constraints.values()
        if c["PortfolioId"] == portfolio_id and request.get("ProductId") in (None, c["ProductId"])]}


def list_principals_for_portfolio(found, request: dict, caller) -> dict:
    return {"Principals": list(found.local_principals.get(_portfolio(found, request["PortfolioId"]), []))}


def update_provisioned_product(found, request: dict, caller) -> dict:
    return {"RecordDetail": provisioning.public(provisioning.update(found.account_id, found.region_name, caller, request))}


def provision_product(found, request: dict, caller) -> dict:
    return {"RecordDetail": provisioning.public(provisioning.provision(found.account_id, found.region_name, caller, request))}


def describe_record(found, request: dict, caller) -> dict:
    return provisioning.record_view(found, request["Id"])


def describe_provisioned_product(found, request: dict, caller) -> dict:
    provisioned = provisioning.find_provisioned(found, request.get("Id"), request.get("Name"))
    return {"ProvisionedProductDetail": provisioning.public(provisioned), "CloudWatchDashboards": []}


def terminate_provisioned_product(found, request: dict, caller) -> dict:
    return {"RecordDetail": provisioning.public(provisioning.terminate(found.account_id, found.region_name, caller, request))}


OPERATIONS = {
    "DescribeProductAsAdmin": describe_product_as_admin,
    "ListProvisioningArtifacts": list_provisioning_artifacts,
    "DescribeProvisioningArtifact": describe_provisioning_artifact,
    "ListConstraintsForPortfolio": list_constraints_for_portfolio,
    "ListPrincipalsForPortfolio": list_principals_for_portfolio,
    "ProvisionProduct": provision_product,
    "DescribeRecord": describe_record,
    "DescribeProvisionedProduct": describe_provisioned_product,
    "TerminateProvisionedProduct": terminate_provisioned_product,
    "UpdateProvisionedProduct": update_provisioned_product,
    "UpdateProvisioningArtifact": update_provisioning_artifact,
    "SearchProvisionedProducts": search_provisioned_products,
}


def _on_backend(handler):
    """``handler(found, request, caller)`` as api_model calls handlers: with the region's Service Catalog backend."""
    return lambda account, region, caller, request: handler(backend(account, region), request, caller)


def install() -> None:
    """Patch moto (in this process): its Service Catalog answers the operations above."""
    from moto.servicecatalog.responses import ServiceCatalogResponse

    api_model.install(ServiceCatalogResponse, "servicecatalog",
                      {operation: _on_backend(handler) for operation, handler in OPERATIONS.items()},
                      invalid_code="InvalidParametersException")
