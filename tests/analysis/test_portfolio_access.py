"""Which roles a portfolio's principals let in (products/analysis/portfolio_access.py)."""

import pytest

from products.analysis.portfolio_access import has_access, principal_matches

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-2026"


@pytest.mark.parametrize("principal, matches", [
    (ROLE, True),                                                                   # IAM: the exact ARN
    ("arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-2025", False),
    ("arn:aws:iam::210987654321:role/service-role/AmazonSageMaker-ExecutionRole-2026", False),  # another account
    ("arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*", True),      # IAM_PATTERN: path and name
    ("arn:aws:iam:::role/AmazonSageMaker-ExecutionRole-*", False),                  # the path is part of the name
    ("arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-2026", True),   # account-less, no wildcard
    ("arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-202?", True),
    ("arn:aws:iam:::role/service-role/Other-*", False),
])
def test_a_principal_names_the_roles_service_catalog_lets_in(principal, matches):
    assert principal_matches(ROLE, principal) is matches


def test_access_is_any_principal_of_the_portfolio():
    principals = [{"PrincipalARN": "arn:aws:iam:::role/service-role/Other-*", "PrincipalType": "IAM_PATTERN"},
                  {"PrincipalARN": ROLE, "PrincipalType": "IAM"}]
    assert has_access(ROLE, principals) and not has_access(ROLE, principals[:1]) and not has_access(ROLE, [])
