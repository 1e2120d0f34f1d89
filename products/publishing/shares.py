"""Portfolio shares: the catalog offered across an organization.

Service Catalog shares a portfolio with an account, an organizational unit or the whole
organization. Only organization-node shares can carry the portfolio's principal associations
(``SharePrincipals``, "only supported for ... ORGANIZATION or ORGANIZATIONAL_UNIT"), so that the
``IAM_PATTERN`` principals, the Studio execution roles, see the templates in member accounts
without their admins doing anything; an account share must be accepted and given principals in
the recipient account. Organization-node shares need AWS Organizations access enabled for Service
Catalog and the management account or a delegated administrator (CreatePortfolioShare).

The configuration's ``portfolio.share_with`` is the whole set: a share it no longer lists is removed.
"""

import time
from dataclasses import dataclass

from products.publishing.aws import PublishError

SHARE_TYPES = ("ORGANIZATION", "ORGANIZATIONAL_UNIT", "ACCOUNT")
DONE = {"COMPLETED"}
FAILED = {"COMPLETED_WITH_ERRORS", "ERROR"}


@dataclass(frozen=True)
class Share:
    type: str  # ORGANIZATION | ORGANIZATIONAL_UNIT | ACCOUNT
    value: str

    @property
    def shares_principals(self) -> bool:
        return self.type != "ACCOUNT"

    def target(self) -> dict:
        """The share's target, as CreatePortfolioShare, UpdatePortfolioShare and DeletePortfolioShare take it."""
        return {"AccountId": self.value} if self.type == "ACCOUNT" else {"OrganizationNode": {"Type": self.type, "Value": self.value}}

    def __str__(self) -> str:
        return f"{self.type.lower().replace('_', ' ')} {self.value}"


@dataclass(frozen=True)
class ShareChange:
    action: str  # share | unshare | share principals
    share: Share

    def line(self) -> str:
        suffix = " with principal sharing" if self.action != "unshare" and self.share.shares_principals else ""
        return f"{self.action} {self.share}{suffix}"


def wanted(share_with) -> set[Share]:
    return {Share(share_type, value) for share_type, value in share_with}


def existing(servicecatalog, portfolio_id: str) -> dict[Share, bool]:
    """The portfolio's shares, each with whether it shares principals."""
    found = {}
    for share_type in SHARE_TYPES:
        token = None
        while True:
            page = servicecatalog.describe_portfolio_shares(
                PortfolioId=portfolio_id, Type=share_type, **({"PageToken": token} if token else {}))
            for detail in page.get("PortfolioShareDetails", []):
                found[Share(share_type, detail["PrincipalId"])] = bool(detail.get("SharePrincipals"))
            token = page.get("NextPageToken")
            if not token:
                break
    return found


def changes(wanted_shares: set[Share], existing_shares: dict[Share, bool]) -> list[ShareChange]:
    result = [ShareChange("share", s) for s in sorted(wanted_shares - set(existing_shares), key=str)]
    result += [ShareChange("share principals", s) for s in sorted(wanted_shares & set(existing_shares), key=str)
               if s.shares_principals and not existing_shares[s]]
    result += [ShareChange("unshare", s) for s in sorted(set(existing_shares) - wanted_shares, key=str)]
    return result


def apply(servicecatalog, portfolio_id: str, change: ShareChange, say, poll_seconds: float) -> None:
    """Make one change and, for an organization node (asynchronous), wait until it is done."""
    target = change.share.target()
    principals = {"SharePrincipals": True} if change.share.shares_principals else {}
    say(f"  portfolio {portfolio_id}: {change.line()}")
    if change.action == "share":
        token = servicecatalog.create_portfolio_share(PortfolioId=portfolio_id, **target, **principals).get("PortfolioShareToken")
    elif change.action == "share principals":
        token = servicecatalog.update_portfolio_share(PortfolioId=portfolio_id, **target, **principals).get("PortfolioShareToken")
    else:
        token = servicecatalog.delete_portfolio_share(PortfolioId=portfolio_id, **target).get("PortfolioShareToken")
    if token:
        _wait(servicecatalog, token, change, poll_seconds)


def _wait(servicecatalog, token: str, change: ShareChange, poll_seconds: float) -> None:
    while True:
        status = servicecatalog.describe_portfolio_share_status(PortfolioShareToken=token)
        if status["Status"] in DONE:
            return
        if status["Status"] in FAILED:
            errors = status.get("ShareDetails", {}).get("ShareErrors", [])
            detail = "; ".join(f"{', '.join(e.get('Accounts', []))}: {e.get('Message', e.get('Error', '?'))}" for e in errors)
            raise PublishError(f"{change.line()}: {status['Status']}" + (f" ({detail})" if detail else ""))
        time.sleep(poll_seconds)
