"""The catalog configuration file: which products, who sees them, which roles.

Loading validates everything up front and raises ``ConfigError`` naming the file, the
field and what was expected, so a bad file never leaves anything half-written.
"""

import difflib
import functools
from collections.abc import Collection
import re
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from products.blocks.iam import ROLE_FIELDS, RoleNames

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "catalog.yaml"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_ROLE_PATH = re.compile(r"^/([\x21-\x7E]+/)?$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PRINCIPAL = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*|\$\{AWS::Partition\}):iam::"
    r"(?P<account>\d{12}|\$\{AWS::AccountId\})?:(role|user|group)/[\w+=,.@/*?-]+$"
)
_TAG_KEY = re.compile(r"^[\w.:/=+@ -]{1,128}$")
_TAG_VALUE = re.compile(r"^[\w.:/=+@ -]{1,256}$")


class ConfigError(ValueError):
    """A configuration file problem: ``str()`` is the one line to show the user."""

    def __init__(self, path: Path, field: str, expected: str, got=None, hint: str = ""):
        self.path, self.field, self.expected = path, field, expected
        detail = "" if got is None else f", got {got!r}"
        super().__init__(f"{path}: {field}: expected {expected}{detail}{'; ' + hint if hint else ''}")


@dataclass(frozen=True)
class Principal:
    arn: str

    @property
    def type(self) -> str:
        """IAM_PATTERN for ARNs with wildcards, which Service Catalog matches by name."""
        return "IAM_PATTERN" if any(char in self.arn for char in "*?") else "IAM"

    @property
    def account(self) -> str:
        """The ARN's account: 12 digits, ``${AWS::AccountId}``, or empty (a wildcard ARN: every account)."""
        return _PRINCIPAL.match(self.arn).group("account") or ""

    def in_account(self, account: str = "${AWS::AccountId}") -> str:
        """The ARN (pattern) with ``account`` filled in where it names none (a wildcard ARN)."""
        if self.account:
            return self.arn
        position = self.arn.index(":iam::") + len(":iam::")
        return self.arn[:position] + account + self.arn[position:]


@dataclass(frozen=True)
class PortfolioConfig:
    display_name: str
    provider_name: str
    description: str
    principals: tuple[Principal, ...]
    tag_options: tuple[tuple[str, tuple[str, ...]], ...]
    # Who the portfolio is shared with: (type, id) pairs, type ORGANIZATION, ORGANIZATIONAL_UNIT or
    # ACCOUNT. None: shares are not managed; a tuple (even empty) is the whole set publish keeps.
    share_with: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class TargetAccount:
    """An account projects deploy staging or prod into, and the role publish assumes there."""

    account: str
    role: str


DEFAULT_TARGET_ROLE = "OrganizationAccountAccessRole"  # the role AWS Organizations creates in member accounts
@dataclass(frozen=True)
class MemberAccount:
    """Another account of the organization that gets a copy of the catalog (its users create projects there)."""

    account: str
    studio_domain_id: str  # its Studio domain, for the S3 route ("" without it)
    role: str  # what publish assumes there


CALL_AS = ("DELEGATED_ADMIN", "SELF")  # StackSets' CallAs: a delegated administrator, or the management account


@dataclass(frozen=True)
class TargetStackSet:
    """The target-account stack as a service-managed StackSet over organizational units (auto-deployed)."""

    organizational_units: tuple[str, ...]
    call_as: str = "DELEGATED_ADMIN"


@dataclass(frozen=True)
class PublishConfig:
    """How `publish.py publish` puts the catalog into an account."""

    stack_prefix: str = "sagemaker-catalog"
    deploy_roles: bool = True
    keep_versions: int = 2
    targets: tuple[str, ...] = ("servicecatalog",)
    studio_domain_id: str = ""
    s3_templates_prefix: str = "studio-templates"
    target_accounts: tuple[TargetAccount, ...] = ()
    target_stack_set: TargetStackSet | None = None  # None: no stack set is managed
    member_accounts: tuple[MemberAccount, ...] = ()  # the catalog published into these too
    # The accounts of target_stack_set's organizational units, listed by publish when it runs (never read from
    # the file: an account joining a unit later is allowed from the next publish on).
    organization_accounts: tuple[str, ...] = ()

    @property
    def deploy_accounts(self) -> tuple[str, ...]:
        """The accounts a project may deploy staging or prod into besides its own: the product templates allow
        only these, and the roles may assume only their deploy roles."""
        return tuple(sorted({target.account for target in self.target_accounts} | set(self.organization_accounts)))

    @property
    def target_account_stack(self) -> str:
        return f"{self.stack_prefix}-target-account"

    @property
    def portfolio_stack(self) -> str:
        return f"{self.stack_prefix}-portfolio"

    @property
    def roles_stack(self) -> str:
        return f"{self.stack_prefix}-roles"


TARGETS = ("servicecatalog", "s3")


@dataclass(frozen=True)
class CatalogConfig:
    path: Path
    regions: tuple[str, ...]
    asset_bucket: str
    roles: RoleNames
    portfolio: PortfolioConfig
    products: tuple[str, ...]
    publish: PublishConfig = PublishConfig()


class _Reader:
    """Typed access to one YAML mapping, with errors that name the field."""

    def __init__(self, path: Path, data, prefix: str = ""):
        self.path, self.prefix = path, prefix
        if not isinstance(data, dict):
            raise ConfigError(path, prefix.rstrip(".") or "(top level)", "a mapping", _kind(data))
        self.data = data

    def field(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def error(self, key: str, expected: str, got=None) -> ConfigError:
        return ConfigError(self.path, self.field(key), expected, got)

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                raise ConfigError(self.path, self.field(str(key)), "one of: " + ", ".join(allowed), "unknown field",
                                  hint=closest_name(str(key), allowed))

    def string(self, key: str, default: str | None = None, pattern: re.Pattern | None = None, what: str = "a non-empty string") -> str:
        if key not in self.data:
            if default is None:
                raise self.error(key, what, "missing")
            return default
        value = self.data[key]
        if not isinstance(value, str) or not value.strip() or (pattern and not pattern.match(value)):
            raise self.error(key, what, value)
        return value

    def mapping(self, key: str, required: bool = True) -> "_Reader":
        if key not in self.data:
            if required:
                raise self.error(key, "a mapping", "missing")
            return _Reader(self.path, {}, f"{self.field(key)}.")
        return _Reader(self.path, self.data[key], f"{self.field(key)}.")

    def string_list(self, key: str, pattern: re.Pattern, what: str, required: bool = True) -> tuple[str, ...]:
        if key not in self.data:
            if required:
                raise self.error(key, f"a list of {what}", "missing")
            return ()
        values = self.data[key]
        if not isinstance(values, list):
            raise self.error(key, f"a list of {what}", values)
        for index, value in enumerate(values):
            if not isinstance(value, str) or not pattern.match(value):
                raise ConfigError(self.path, f"{self.field(key)}[{index}]", what, value)
        return tuple(values)


def _content_lines(text):
    """(line number from 1, indent, stripped text) of each line holding YAML, comments and blanks left out."""
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            rows.append((number, len(line) - len(line.lstrip(" ")), stripped))
    return rows


def _sibling_after(rows, at: int) -> bool:
    """Whether a later line of the same block has the indentation of line ``rows[at]``."""
    for _, indent, _ in rows[at + 1:]:
        if indent <= rows[at][1]:
            return indent == rows[at][1]
    return False


def misindented_line(text: str, reported: int) -> int:
    """The line whose indentation is the mistake, for an error YAML reports at line ``reported``.

    YAML notices a wrong indentation only at the first line that cannot follow it, often the next
    one: a block's first entry indented unlike its siblings is reported at the second.
    """
    rows = _content_lines(text)
    at = next((i for i, row in enumerate(rows) if row[0] == reported), None)
    if at is None:
        return reported
    indent = rows[at][1]
    start = at - 1
    while start >= 0 and rows[start][1] > indent:  # back over what YAML read as a deeper block
        start -= 1
    first = rows[start + 1] if start + 1 < at else None
    if start >= 0 and rows[start][1] == indent or not _sibling_after(rows, at):
        return reported  # the reported line is the one out of step with the lines around it
    if first is not None and first[1] != indent:
        return first[0]  # the block's first entry is indented unlike the reported line, its sibling
    if start >= 1 and rows[start][1] < indent and (rows[start - 1][1] == indent or (
            rows[start - 1][2].endswith(":") and rows[start - 1][1] < rows[start][1])):
        return rows[start][0]  # the line above stepped out of its block (or under its parent's first entry)
    return reported


def _yaml_error(path: Path, text: str, error: yaml.YAMLError) -> ConfigError:
    """Name the line to fix. YAML notices an unclosed quote only where the quoted value ends (at the next
    quote, often lines later), so a quoted value spanning lines is reported where it starts."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    spanning = None
    try:
        for token in yaml.scan(text):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and token.end_mark.line > token.start_mark.line:
                spanning = token
    except yaml.YAMLError:
        pass
    if spanning is not None and mark is not None and spanning.end_mark.line <= mark.line:
        return ConfigError(path, f"line {spanning.start_mark.line + 1}", "a closing quote",
                           f"a quoted value running on to line {spanning.end_mark.line + 1} ({problem})")
    if mark is None:
        return ConfigError(path, "(file)", "valid YAML", problem)
    line = misindented_line(text, mark.line + 1)
    if line != mark.line + 1:
        return ConfigError(path, f"line {line}", "the indentation of the lines around it",
                           f"a block YAML reads as broken at line {mark.line + 1} ({problem})")
    return ConfigError(path, f"line {line}", "valid YAML", problem)


_SHARE_TARGETS = {  # config key -> (Service Catalog share type, id pattern, what it is)
    "organization": ("ORGANIZATION", re.compile(r"^o-[a-z0-9]{10,32}$"), "an organization id such as o-exampleorgid"),
    "organizational_units": ("ORGANIZATIONAL_UNIT", re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"),
                             "organizational unit ids such as ou-ab12-cdefgh34"),
    "accounts": ("ACCOUNT", re.compile(r"^\d{12}$"), "12-digit account ids"),
}


def _share_with(portfolio: _Reader) -> tuple[tuple[str, str], ...] | None:
    if "share_with" not in portfolio.data:
        return None
    section = portfolio.mapping("share_with")
    section.only(*_SHARE_TARGETS)
    shares = []
    for key, (share_type, pattern, what) in _SHARE_TARGETS.items():
        if key == "organization":
            if key in section.data:
                shares.append((share_type, section.string(key, pattern=pattern, what=what)))
        else:
            shares += [(share_type, value) for value in section.string_list(key, pattern, what, required=False)]
    return tuple(shares)


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows CloudFormation in, across partitions (no call to AWS)."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cloudformation", partition_name=partition)
    )


def _kind(value) -> str:
    return "nothing" if value is None else type(value).__name__


def _check_principal(path: Path, field: str, arn: str) -> Principal:
    match = _PRINCIPAL.match(arn)
    principal = Principal(arn)
    if principal.type == "IAM_PATTERN" and match.group("account"):
        raise ConfigError(
            path, field, "a wildcard ARN without an account id (arn:aws:iam:::role/...), as Service Catalog requires", arn
        )
    if principal.type == "IAM" and not match.group("account"):
        raise ConfigError(path, field, "an ARN with an account id (or ${AWS::AccountId})", arn)
    return principal


def _check_bucket_pattern(path: Path, field: str, pattern: str) -> str:
    sample = pattern.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "ap-southeast-2")
    if "${" in sample or not _BUCKET.match(sample) or ".." in sample:
        raise ConfigError(
            path, field, "an S3 bucket name (lowercase, 3-63 characters; may use ${AWS::AccountId} and ${AWS::Region})", pattern
        )
    return pattern


def closest_name(name: str, known: Collection[str]) -> str:
    """"did you mean 'x'?" for the known name closest to a typo, or "" when none is close."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def load_config(path: Path | str, known_products: Collection[str]) -> CatalogConfig:
    """Read and validate a catalog configuration file; ``known_products``: the names it may enable
    (the caller's registry, so the configuration never imports the products)."""
    path = Path(path)
    top = _Reader(path, _read_yaml(path))
    top.only("regions", "assets", "roles", "portfolio", "products", "publish")
    regions = _regions(top)
    assets = top.mapping("assets")
    assets.only("bucket")
    asset_bucket = _check_bucket_pattern(path, assets.field("bucket"), assets.string("bucket"))
    role_names = _role_names(top.mapping("roles", required=False))
    portfolio = _portfolio_config(top.mapping("portfolio"))
    enabled = _enabled_products(top, known_products)
    return CatalogConfig(
        publish=_publish_config(top.mapping("publish", required=False)),
        path=path,
        regions=regions,
        asset_bucket=asset_bucket,
        roles=role_names,
        portfolio=portfolio,
        products=enabled,
    )


def _read_yaml(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(path, "(file)", "a readable YAML file", error.strerror) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _yaml_error(path, text, error) from None


def _regions(top: _Reader) -> list[str]:
    regions = top.string_list("regions", _REGION, "AWS region names such as us-east-1")
    if not regions:
        raise top.error("regions", "at least one region", [])
    for index, region in enumerate(regions):
        if region not in known_regions():
            raise ConfigError(top.path, f"regions[{index}]", "a region where CloudFormation is offered", region)
    return regions


def _role_names(roles: _Reader) -> RoleNames:
    """The roles' names and path; an omitted key keeps SageMaker's standard name."""
    roles.only(*ROLE_FIELDS, "path")
    defaults = RoleNames()
    return RoleNames(
        **{
            f.name: roles.string(
                f.name,
                default=getattr(defaults, f.name),
                pattern=_ROLE_PATH if f.name == "path" else _ROLE_NAME,
                what="an IAM path such as /service-role/" if f.name == "path" else "an IAM role name",
            )
            for f in fields(RoleNames)
        }
    )


def _portfolio_config(portfolio: _Reader) -> PortfolioConfig:
    portfolio.only("display_name", "provider_name", "description", "principals", "tag_options", "share_with")
    principals = portfolio.string_list(
        "principals", _PRINCIPAL, "IAM role, user or group ARNs (arn:aws:iam::123456789012:role/Name)"
    )
    if not principals:
        raise portfolio.error("principals", "at least one principal (with none, nobody sees the templates in Studio)", [])
    tag_options = _tag_options(portfolio.mapping("tag_options", required=False))
    return PortfolioConfig(
        display_name=portfolio.string("display_name"),
        provider_name=portfolio.string("provider_name"),
        description=portfolio.string("description", default=""),
        principals=tuple(
            _check_principal(portfolio.path, f"{portfolio.field('principals')}[{index}]", arn)
            for index, arn in enumerate(principals)
        ),
        tag_options=tag_options,
        share_with=_share_with(portfolio),
    )


def _tag_options(tag_options: _Reader) -> tuple:
    """The TagOptions offered to users creating a project: (key, values), by key."""
    option_values = []
    for key in sorted(tag_options.data, key=str):
        if not isinstance(key, str) or not _TAG_KEY.match(key):
            raise tag_options.error(str(key), "a tag key of 1-128 characters")
        option_values.append((key, tag_options.string_list(key, _TAG_VALUE, "tag values of 1-256 characters")))
    return tuple(option_values)


def _enabled_products(top: _Reader, known_products: Collection[str]) -> tuple[str, ...]:
    products = top.mapping("products")
    if not products.data:
        raise top.error("products", "at least one product", {})
    enabled = []
    for name, settings in products.data.items():
        if name not in known_products:
            raise ConfigError(top.path, products.field(name), "a product name, one of: " + ", ".join(sorted(known_products)),
                              name, hint=closest_name(str(name), known_products))
        product = _Reader(top.path, settings if settings is not None else {}, f"{products.field(name)}.")
        product.only("enabled")
        flag = product.data.get("enabled", True)
        if not isinstance(flag, bool):
            raise product.error("enabled", "true or false", flag)
        if flag:
            enabled.append(name)
    if not enabled:
        raise top.error("products", "at least one enabled product")
    return tuple(enabled)



_STACK_PREFIX = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,100}$")
DOMAIN_ID = re.compile(r"^d-(-*[a-z0-9]){1,61}$")  # the DomainId pattern of SageMaker's API model (botocore)
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()/-]{1,200}$")


def _publish_config(section: _Reader) -> PublishConfig:
    section.only("stack_prefix", "deploy_roles", "keep_versions", "targets", "studio_domain_id", "s3_templates_prefix",
                 "target_accounts", "target_stack_set", "member_accounts")
    defaults = PublishConfig()
    deploy_roles = section.data.get("deploy_roles", defaults.deploy_roles)
    if not isinstance(deploy_roles, bool):
        raise section.error("deploy_roles", "true or false", deploy_roles)
    keep = section.data.get("keep_versions", defaults.keep_versions)
    if not isinstance(keep, int) or isinstance(keep, bool) or not 0 <= keep <= 50:
        raise section.error("keep_versions", "a whole number from 0 to 50", keep)
    targets = section.data.get("targets", list(defaults.targets))
    if not isinstance(targets, list) or not targets or any(t not in TARGETS for t in targets):
        raise section.error("targets", "a non-empty list of: " + ", ".join(TARGETS), targets)
    domain = section.data.get("studio_domain_id", "")
    if domain and (not isinstance(domain, str) or not DOMAIN_ID.match(domain)):
        raise section.error("studio_domain_id", "a SageMaker domain id such as d-abcdefghijkl, or empty", domain)
    if "s3" in targets and not domain:
        raise section.error("studio_domain_id", "a SageMaker domain id: the s3 target tags the Studio domain")
    return PublishConfig(
        stack_prefix=section.string("stack_prefix", defaults.stack_prefix, _STACK_PREFIX, "a stack name prefix"),
        deploy_roles=deploy_roles,
        keep_versions=keep,
        targets=tuple(dict.fromkeys(targets)),
        studio_domain_id=domain,
        s3_templates_prefix=section.string(
            "s3_templates_prefix", defaults.s3_templates_prefix, _PREFIX, "an S3 key prefix"
        ).strip("/"),
        target_accounts=_target_accounts(section),
        target_stack_set=_target_stack_set(section),
        member_accounts=_member_accounts(section, targets),
    )


_ACCOUNT = re.compile(r"^\d{12}$")
# DeploymentTargets.OrganizationalUnitIds of CloudFormation's API model: an OU, or the organization's root.
_OU_OR_ROOT = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


def _account_entries(section: _Reader, key: str, *extra: str) -> list[tuple[_Reader, str, str]]:
    """Each entry of the list ``key``: {account: "210987654321", role: <ARN, default its OrganizationAccountAccessRole>,
    extra fields}, as (its reader, account, role); each account once."""
    entries = section.data.get(key, [])
    if not isinstance(entries, list):
        raise section.error(key, "a list of {account, role} mappings", entries)
    found = []
    for index, entry in enumerate(entries):
        item = _Reader(section.path, entry, section.field(f"{key}[{index}]."))
        item.only("account", "role", *extra)
        account = item.string("account", pattern=_ACCOUNT, what="a 12-digit AWS account id (quoted)")
        role = item.string("role", f"arn:aws:iam::{account}:role/{DEFAULT_TARGET_ROLE}", _ROLE_ARN, "an IAM role ARN")
        if role.split(":")[4] != account:
            raise item.error("role", f"a role of account {account}", role)
        found.append((item, account, role))
    if len({account for _, account, _ in found}) != len(found):
        raise section.error(key, "each account once", [account for _, account, _ in found])
    return found


def _target_accounts(section: _Reader) -> tuple[TargetAccount, ...]:
    """publish.target_accounts: [{account, role}]."""
    return tuple(TargetAccount(account, role) for _, account, role in _account_entries(section, "target_accounts"))


def _member_accounts(section: _Reader, targets: list) -> tuple[MemberAccount, ...]:
    """publish.member_accounts: [{account, role, studio_domain_id (needed with the s3 target)}]."""
    members = []
    for item, account, role in _account_entries(section, "member_accounts", "studio_domain_id"):
        domain = item.string("studio_domain_id", pattern=DOMAIN_ID, what="the account's SageMaker domain id (the s3 target "
                             "tags it)") if "s3" in targets else item.string("studio_domain_id", "", DOMAIN_ID, "a domain id")
        members.append(MemberAccount(account, domain, role))
    return tuple(members)


def _target_stack_set(section: _Reader) -> TargetStackSet | None:
    """publish.target_stack_set: {organizational_units: [ou-...], call_as: DELEGATED_ADMIN | SELF}."""
    if "target_stack_set" not in section.data:
        return None
    item = section.mapping("target_stack_set")
    item.only("organizational_units", "call_as")
    units = item.string_list("organizational_units", _OU_OR_ROOT, "organizational unit ids (ou-...) or the root id (r-...)")
    if len(set(units)) != len(units):
        raise item.error("organizational_units", "each unit once", list(units))
    call_as = item.data.get("call_as", "DELEGATED_ADMIN")
    if call_as not in CALL_AS:
        raise item.error("call_as", "DELEGATED_ADMIN (a delegated StackSets administrator) or SELF (the management account)",
                         call_as)
    return TargetStackSet(units, call_as)
