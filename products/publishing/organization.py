"""The accounts of the stack set's organizational units, which projects may deploy into.

The target-account stack set deploys to every account of its units and of their child units (CloudFormation
StackSets, service-managed permissions). Publish lists those accounts when it runs and renders them into the
product templates' account parameters and the roles' sts:AssumeRole resources (``CatalogConfig.publish.
deploy_accounts``), so an account that joins a unit later becomes allowed at the next publish, whose plan shows
the change. AWS Organizations answers ListAccountsForParent and ListOrganizationalUnitsForParent in the management
account and in a delegated administrator's (which a StackSets delegated administrator is).
"""

from dataclasses import replace

from botocore.exceptions import ClientError

from products.catalog.config import CatalogConfig
from products.publishing.aws import Aws, PublishError


def with_organization_accounts(aws: Aws, config: CatalogConfig, say=print) -> CatalogConfig:
    """``config`` with the stack set's units' active accounts as ``publish.organization_accounts``; unchanged
    without a stack set. Read-only: a few Organizations list calls per unit."""
    stack_set = config.publish.target_stack_set
    if stack_set is None:
        return config
    organizations = aws.client("organizations")
    accounts = set()
    for unit in stack_set.organizational_units:
        try:
            accounts |= _accounts_under(organizations, unit)
        except ClientError as error:
            raise PublishError(
                f"cannot list the accounts of organizational unit {unit} (publish.target_stack_set): "
                f"{error.response['Error']['Message']}; projects may deploy only into accounts publish can name, so "
                "publish from the management account or a delegated administrator") from None
    listed = tuple(sorted(accounts - {aws.account_id()}))
    say(f"publish: the stack set's units hold {len(listed)} account(s) projects may deploy into"
        + (f": {', '.join(listed)}" if listed else ""))
    return replace(config, publish=replace(config.publish, organization_accounts=listed))


def _accounts_under(organizations, unit: str) -> set[str]:
    """The ACTIVE accounts of ``unit`` and of every unit below it."""
    accounts, units = set(), [unit]
    while units:
        parent = units.pop()
        for page in organizations.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
            accounts |= {a["Id"] for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"}
        for page in organizations.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent):
            units += [u["Id"] for u in page["OrganizationalUnits"]]
    return accounts
