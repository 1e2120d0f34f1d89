"""Portfolio shares across an organization: planned from the configuration, applied, removed when unlisted.

moto has no Service Catalog: its calls (and the portfolio stack's PortfolioId output, which moto's
CloudFormation cannot produce) are stubbed with botocore's Stubber, which checks each request and
response against the real API models.
"""

import datetime

import pytest

from products import PRODUCTS
from products.catalog.config import DEFAULT_CONFIG, ConfigError, load_config
from products.publishing import shares
from products.publishing.aws import Aws, PublishError
from products.publishing.publisher import RegionPlan, _apply_shares, _plan_shares
from tests.conftest import REPO_ROOT, stubbed

REGION, PORTFOLIO_ID = "us-east-1", "port-abcdefghijklm"
OU, ORG, ACCOUNT, OLD_ACCOUNT = "ou-ab12-cdefgh34", "o-exampleorg1", "210987654321", "111122223333"
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)


def _config(tmp_path, share_with: str):
    text = (REPO_ROOT / "catalog.yaml").read_text().replace("  tag_options: {}\n", f"  tag_options: {{}}\n{share_with}")
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return load_config(path, PRODUCTS)


def test_the_configuration_lists_organization_units_and_accounts(tmp_path):
    config = _config(tmp_path, f"  share_with:\n    organization: {ORG}\n    organizational_units: [{OU}]\n    accounts: ['{ACCOUNT}']\n")
    assert config.portfolio.share_with == (("ORGANIZATION", ORG), ("ORGANIZATIONAL_UNIT", OU), ("ACCOUNT", ACCOUNT))
    assert load_config(DEFAULT_CONFIG, PRODUCTS).portfolio.share_with is None  # absent: shares are not managed at all


@pytest.mark.parametrize("share_with, field", [
    ("  share_with:\n    accounts: ['12345']\n", "portfolio.share_with.accounts[0]"),
    ("  share_with:\n    organizational_units: [ou-nope]\n", "portfolio.share_with.organizational_units[0]"),
    ("  share_with:\n    teams: [a]\n", "portfolio.share_with.teams"),
])
def test_bad_share_targets_name_the_field(tmp_path, share_with, field):
    with pytest.raises(ConfigError, match=field.replace("[", r"\[").replace("]", r"\]")):
        _config(tmp_path, share_with)


def test_changes_make_the_shares_exactly_the_configured_set():
    wanted = {shares.Share("ORGANIZATIONAL_UNIT", OU), shares.Share("ACCOUNT", ACCOUNT), shares.Share("ORGANIZATION", ORG)}
    existing = {shares.Share("ACCOUNT", ACCOUNT): False, shares.Share("ORGANIZATION", ORG): False,
                shares.Share("ACCOUNT", OLD_ACCOUNT): False}
    assert [c.line() for c in shares.changes(wanted, existing)] == [
        f"share organizational unit {OU} with principal sharing",
        f"share principals organization {ORG} with principal sharing",
        f"unshare account {OLD_ACCOUNT}",
    ]
    assert shares.changes(wanted, {s: s.shares_principals for s in wanted}) == []  # a no-op


def _portfolio_stack(cfn, config):
    cfn.add_response("describe_stacks", {"Stacks": [{
        "StackName": config.publish.portfolio_stack, "CreationTime": NOW, "StackStatus": "UPDATE_COMPLETE",
        "Outputs": [{"OutputKey": "PortfolioId", "OutputValue": PORTFOLIO_ID}]}]},
        {"StackName": config.publish.portfolio_stack})


def test_a_plan_reads_every_share_type_then_apply_shares_waits_and_unshares(tmp_path):
    config = _config(tmp_path, f"  share_with:\n    organizational_units: [{OU}]\n    accounts: ['{ACCOUNT}']\n")
    aws = Aws(REGION)
    cfn, servicecatalog = stubbed(aws, "cloudformation"), stubbed(aws, "servicecatalog")
    _portfolio_stack(cfn, config)
    for share_type, details in (("ORGANIZATION", []), ("ORGANIZATIONAL_UNIT", []),
                                ("ACCOUNT", [{"PrincipalId": ACCOUNT, "Type": "ACCOUNT", "Accepted": True},
                                             {"PrincipalId": OLD_ACCOUNT, "Type": "ACCOUNT", "Accepted": False}])):
        servicecatalog.add_response("describe_portfolio_shares", {"PortfolioShareDetails": details},
                                    {"PortfolioId": PORTFOLIO_ID, "Type": share_type})
    planned = _plan_shares(aws, config)
    assert [c.line() for c in planned] == [f"share organizational unit {OU} with principal sharing",
                                           f"unshare account {OLD_ACCOUNT}"]

    _portfolio_stack(cfn, config)
    servicecatalog.add_response("create_portfolio_share", {"PortfolioShareToken": "share-token-1"}, {
        "PortfolioId": PORTFOLIO_ID, "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}, "SharePrincipals": True})
    servicecatalog.add_response("describe_portfolio_share_status", {"Status": "IN_PROGRESS"}, {"PortfolioShareToken": "share-token-1"})
    servicecatalog.add_response("describe_portfolio_share_status", {"Status": "COMPLETED"}, {"PortfolioShareToken": "share-token-1"})
    servicecatalog.add_response("delete_portfolio_share", {}, {"PortfolioId": PORTFOLIO_ID, "AccountId": OLD_ACCOUNT})
    plan = RegionPlan(aws, None, "123456789012", None, share_changes=planned, config=config)
    _apply_shares(plan, config, say=lambda *_: None, poll_seconds=0)
    cfn.assert_no_pending_responses()
    servicecatalog.assert_no_pending_responses()
    assert plan.applied == [f"{REGION}: portfolio share organizational unit {OU} with principal sharing",
                            f"{REGION}: portfolio unshare account {OLD_ACCOUNT}"]


def test_a_share_that_fails_in_member_accounts_names_them(tmp_path):
    config = _config(tmp_path, f"  share_with:\n    organizational_units: [{OU}]\n")
    aws = Aws(REGION)
    cfn, servicecatalog = stubbed(aws, "cloudformation"), stubbed(aws, "servicecatalog")
    _portfolio_stack(cfn, config)
    servicecatalog.add_response("create_portfolio_share", {"PortfolioShareToken": "share-token-2"}, {
        "PortfolioId": PORTFOLIO_ID, "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}, "SharePrincipals": True})
    servicecatalog.add_response("describe_portfolio_share_status", {
        "Status": "COMPLETED_WITH_ERRORS",
        "ShareDetails": {"ShareErrors": [{"Accounts": [ACCOUNT], "Message": "AWSOrganizationsAccess is not enabled"}]}},
        {"PortfolioShareToken": "share-token-2"})
    plan = RegionPlan(aws, None, "123456789012", None,
                      share_changes=[shares.ShareChange("share", shares.Share("ORGANIZATIONAL_UNIT", OU))], config=config)
    with pytest.raises(PublishError, match=f"COMPLETED_WITH_ERRORS \\({ACCOUNT}: AWSOrganizationsAccess is not enabled\\)"):
        _apply_shares(plan, config, say=lambda *_: None, poll_seconds=0)


def test_without_a_portfolio_id_nothing_is_shared(aws_credentials, tmp_path):
    """A portfolio stack not created yet: the shares are planned, and applying them says why they cannot be."""
    from moto import mock_aws

    config = _config(tmp_path, f"  share_with:\n    accounts: ['{ACCOUNT}']\n")
    with mock_aws():
        aws = Aws(REGION)
        assert [c.line() for c in _plan_shares(aws, config)] == [f"share account {ACCOUNT}"]  # a portfolio yet to come
        plan = RegionPlan(aws, None, "123456789012", None, share_changes=_plan_shares(aws, config), config=config)
        with pytest.raises(PublishError, match="has no PortfolioId output: the portfolio cannot be shared"):
            _apply_shares(plan, config, say=lambda *_: None, poll_seconds=0)


def test_destroy_unshares_the_portfolio_before_deleting_its_stack(aws_credentials):
    """Service Catalog will not delete a shared portfolio, and the shares are not the stack's."""
    from products.publishing.publisher import destroy_region

    config = load_config(DEFAULT_CONFIG, PRODUCTS)
    aws = Aws(REGION)
    sts, cfn, servicecatalog = stubbed(aws, "sts"), stubbed(aws, "cloudformation"), stubbed(aws, "servicecatalog")
    sts.add_response("get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/a", "UserId": "A"})
    _portfolio_stack(cfn, config)
    for share_type, details in (("ORGANIZATION", []), ("ORGANIZATIONAL_UNIT", [{"PrincipalId": OU, "Type": "ORGANIZATIONAL_UNIT"}]),
                                ("ACCOUNT", [])):
        servicecatalog.add_response("describe_portfolio_shares", {"PortfolioShareDetails": details},
                                    {"PortfolioId": PORTFOLIO_ID, "Type": share_type})
    servicecatalog.add_response("delete_portfolio_share", {"PortfolioShareToken": "unshare-1"}, {
        "PortfolioId": PORTFOLIO_ID, "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}})
    servicecatalog.add_response("describe_portfolio_share_status", {"Status": "COMPLETED"}, {"PortfolioShareToken": "unshare-1"})
    stack = config.publish.portfolio_stack
    cfn.add_response("describe_stacks", {"Stacks": [{"StackName": stack, "CreationTime": NOW, "StackStatus": "UPDATE_COMPLETE"}]},
                     {"StackName": stack})
    cfn.add_response("delete_stack", {}, {"StackName": stack})
    cfn.add_client_error("describe_stack_events", "ValidationError", f"Stack with id {stack} does not exist")
    removed = destroy_region(aws, config, roles=False, buckets=False, say=lambda *_: None, poll_seconds=0)
    for stub in (sts, cfn, servicecatalog):
        stub.assert_no_pending_responses()
    assert removed == [f"portfolio share with organizational unit {OU}", f"stack {stack}"]
