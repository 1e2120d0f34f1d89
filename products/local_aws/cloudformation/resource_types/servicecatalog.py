"""The Service Catalog resource types of the portfolio stack, on moto's Service Catalog backend.

moto creates portfolios and products through its API but keeps one provisioning artifact per product and no
product associations, launch constraints or principal associations. What a stack creates is kept on moto's
own objects, where the Service Catalog calls the local AWS adds read it:
- a product's versions: ``Product.local_artifacts`` (Id, Name, Description, Type, Active, Guidance, CreatedTime,
  TemplateUrl), in creation order;
- on the backend: ``local_portfolio_products`` (portfolio id -> product ids), ``local_constraints`` (constraint id
  -> its details) and ``local_principals`` (portfolio id -> [{PrincipalARN, PrincipalType}]);
- what launching products leaves (servicecatalog_provisioning.py): ``local_provisioned`` and ``local_records``.
"""

import json
import secrets
from datetime import datetime, timezone

from moto.servicecatalog.models import servicecatalog_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource


def backend(account_id: str, region: str):
    found = servicecatalog_backends[account_id][region]
    for name in ("local_portfolio_products", "local_constraints", "local_principals", "local_provisioned", "local_records"):
        if not hasattr(found, name):
            setattr(found, name, {})
    return found


def _add_once(lists: dict, key: str, item) -> None:
    """``item`` in the list ``lists`` holds under ``key``, once (an association made twice is one)."""
    listed = lists.setdefault(key, [])
    if item not in listed:
        listed.append(item)


def _remove(lists: dict, key: str, item) -> None:
    listed = lists.get(key, [])
    if item in listed:
        listed.remove(item)


def _artifact(parameters: dict) -> dict:
    return {"Id": "pa-" + secrets.token_hex(6), "Name": parameters.get("Name", ""), "Description": parameters.get("Description", ""),
            "Type": parameters.get("Type", "CLOUD_FORMATION_TEMPLATE"), "Active": True, "Guidance": "DEFAULT",
            "CreatedTime": datetime.now(timezone.utc), "TemplateUrl": parameters["Info"]["LoadTemplateFromURL"]}


class Portfolio(LocalResource):
    TYPE = "AWS::ServiceCatalog::Portfolio"
    ATTRIBUTES = {"PortfolioName": lambda self: self.properties["DisplayName"]}

    @classmethod
    def create(cls, name, properties, account_id, region):
        created, _tags = backend(account_id, region).create_portfolio(
            None, properties["DisplayName"], properties.get("Description"), properties["ProviderName"],
            properties.get("Tags", []), None)
        return cls(created["Id"], properties, account_id, region)  # Ref: the portfolio's id

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name):
        """In place: the portfolio keeps its id, which its products, constraints and principals hold."""
        properties = cloudformation_json.get("Properties", {})
        stored = backend(account_id, region_name).portfolios[original_resource.physical_id]
        stored.display_name, stored.description = properties["DisplayName"], properties.get("Description", "")
        stored.provider_name = properties["ProviderName"]
        original_resource.properties = properties
        return original_resource

    def remove(self) -> None:
        found = backend(self.account_id, self.region)
        found.delete_portfolio(None, self.physical_id)
        found.local_portfolio_products.pop(self.physical_id, None)
        found.local_principals.pop(self.physical_id, None)


class CloudFormationProduct(LocalResource):
    TYPE = "AWS::ServiceCatalog::CloudFormationProduct"
    # The registry schema types both attributes as strings: the ids and names, comma-separated.
    ATTRIBUTES = {
        "ProductName": lambda self: self.properties["Name"],
        "ProvisioningArtifactIds": lambda self: ",".join(a["Id"] for a in self.stored().local_artifacts),
        "ProvisioningArtifactNames": lambda self: ",".join(a["Name"] for a in self.stored().local_artifacts),
    }

    @classmethod
    def create(cls, name, properties, account_id, region):
        parameters = properties.get("ProvisioningArtifactParameters", [])
        product = backend(account_id, region).create_product(
            name=properties["Name"], owner=properties["Owner"], description=properties.get("Description"),
            distributor=properties.get("Distributor"), support_description=properties.get("SupportDescription"),
            support_email=properties.get("SupportEmail"), support_url=properties.get("SupportUrl"),
            product_type=properties.get("ProductType", "CLOUD_FORMATION_TEMPLATE"), tags=properties.get("Tags", []),
            provisioning_artifact_parameters=parameters[0] if parameters else None)
        product.local_artifacts = [_artifact(p) for p in parameters]
        return cls(product.id, properties, account_id, region)  # Ref: the product's id

    def stored(self):
        return backend(self.account_id, self.region).products[self.physical_id]

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name):
        """In place, as Service Catalog updates a product: its id stays; a version whose name is new is added,
        one no longer listed is removed (ReplaceProvisioningArtifacts replaces them all)."""
        properties = cloudformation_json.get("Properties", {})
        stored = original_resource.stored()
        wanted = properties.get("ProvisioningArtifactParameters", [])
        kept = [] if properties.get("ReplaceProvisioningArtifacts") in (True, "true") else stored.local_artifacts
        names = {p.get("Name") for p in wanted}
        kept = [a for a in kept if a["Name"] in names]
        stored.local_artifacts = kept + [_artifact(p) for p in wanted if p.get("Name") not in {a["Name"] for a in kept}]
        stored.name, stored.description, stored.tags = properties["Name"], properties.get("Description"), properties.get("Tags", [])
        original_resource.properties = properties
        return original_resource

    def remove(self) -> None:
        backend(self.account_id, self.region).delete_product(None, self.physical_id)


class PortfolioProductAssociation(LocalResource):
    TYPE = "AWS::ServiceCatalog::PortfolioProductAssociation"

    @classmethod
    def create(cls, name, properties, account_id, region):
        found = backend(account_id, region)
        portfolio, product = properties["PortfolioId"], properties["ProductId"]
        if portfolio not in found.portfolios or product not in found.products:
            raise ValueError(f"portfolio {portfolio} or product {product} does not exist")
        _add_once(found.local_portfolio_products, portfolio, product)
        return cls(f"{portfolio}|{product}", properties, account_id, region)

    def remove(self) -> None:
        _remove(backend(self.account_id, self.region).local_portfolio_products, self.properties["PortfolioId"],
                self.properties["ProductId"])


class LaunchRoleConstraint(LocalResource):
    TYPE = "AWS::ServiceCatalog::LaunchRoleConstraint"

    @classmethod
    def create(cls, name, properties, account_id, region):
        found = backend(account_id, region)
        portfolio, product = properties["PortfolioId"], properties["ProductId"]
        if product not in found.local_portfolio_products.get(portfolio, []):
            raise ValueError(f"product {product} is not in portfolio {portfolio}: associate it first")
        constraint_id = "cons-" + secrets.token_hex(6)
        parameters = {"RoleArn": properties["RoleArn"]} if "RoleArn" in properties else {"LocalRoleName": properties["LocalRoleName"]}
        found.local_constraints[constraint_id] = {
            "ConstraintId": constraint_id, "Type": "LAUNCH", "Description": properties.get("Description", ""),
            "Owner": account_id, "ProductId": product, "PortfolioId": portfolio, "Parameters": json.dumps(parameters)}
        return cls(constraint_id, properties, account_id, region)  # Ref: the constraint's id

    def remove(self) -> None:
        backend(self.account_id, self.region).local_constraints.pop(self.physical_id, None)


class PortfolioPrincipalAssociation(LocalResource):
    TYPE = "AWS::ServiceCatalog::PortfolioPrincipalAssociation"

    @classmethod
    def create(cls, name, properties, account_id, region):
        found = backend(account_id, region)
        portfolio = properties["PortfolioId"]
        if portfolio not in found.portfolios:
            raise ValueError(f"portfolio {portfolio} does not exist")
        _add_once(found.local_principals, portfolio, _principal(properties))
        return cls(f"{portfolio}|{properties['PrincipalARN']}", properties, account_id, region)

    def remove(self) -> None:
        _remove(backend(self.account_id, self.region).local_principals, self.properties["PortfolioId"],
                _principal(self.properties))


def _principal(properties: dict) -> dict:
    return {"PrincipalARN": properties["PrincipalARN"], "PrincipalType": properties["PrincipalType"]}


MODELS = (Portfolio, CloudFormationProduct, PortfolioProductAssociation, LaunchRoleConstraint, PortfolioPrincipalAssociation)
