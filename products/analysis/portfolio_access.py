"""Whether a portfolio's principals let an IAM role in, as Service Catalog decides it.

A portfolio grants access to the principals associated with it (AssociatePrincipalWithPortfolio), each of
type ``IAM`` (an exact ARN) or ``IAM_PATTERN`` (an ARN without its account, ``arn:aws:iam:::role/Name``,
whose name and path may hold ``*`` and ``?``; Service Catalog API Reference, AssociatePrincipalWithPortfolio,
PrincipalARN). The doctor uses it to say whether a Studio execution role sees the products; the local AWS
to decide whether ProvisionProduct is allowed at all.
"""

import fnmatch


def principal_matches(role_arn: str, principal_arn: str) -> bool:
    """Whether ``role_arn`` is the principal ``principal_arn`` names (exact, or a pattern by path and name)."""
    if "*" in principal_arn or "?" in principal_arn or principal_arn.split(":")[4:5] == [""]:
        return fnmatch.fnmatchcase(role_arn.split(":", 5)[5], principal_arn.split(":", 5)[5])
    return role_arn == principal_arn


def has_access(role_arn: str, principals: list[dict]) -> bool:
    """Whether any of a portfolio's principals (``{PrincipalARN, PrincipalType}``) lets ``role_arn`` in."""
    return any(principal_matches(role_arn, p["PrincipalARN"]) for p in principals)
