"""`verify` (alias `doctor`): what makes templates invisible or unusable in Studio, and how to fix it.

Every check is a read. Each result says what was found and, when it fails, what to do.
"""

import fnmatch
from dataclasses import dataclass

from botocore.exceptions import ClientError

from products.config import CatalogConfig
from products.publishing.assets import STUDIO_ORIGIN, AssetBucket, bucket_name
from products.publishing.aws import Aws, error_code, fill_pseudo_parameters
from products.publishing.publisher import S3_TEMPLATES_TAG, STUDIO_VISIBILITY, studio_templates_location
from products.roles import ROLE_SPECS


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def _outputs(aws: Aws, stack: str) -> dict | None:
    try:
        described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _principal_matches(role_arn: str, principal_arn: str) -> bool:
    """Whether an execution role is covered by a configured principal (exact, or IAM_PATTERN by path and name)."""
    if "*" in principal_arn or "?" in principal_arn:
        return fnmatch.fnmatchcase(role_arn.split(":", 5)[5], principal_arn.split(":", 5)[5])
    return role_arn == principal_arn


def studio_execution_roles(aws: Aws, domain_id: str) -> list[str]:
    """The domain's default execution role and every user profile's own."""
    sagemaker = aws.client("sagemaker")
    domain = sagemaker.describe_domain(DomainId=domain_id)
    roles = {domain.get("DefaultUserSettings", {}).get("ExecutionRole")}
    for page in sagemaker.get_paginator("list_user_profiles").paginate(DomainIdEquals=domain_id):
        for summary in page.get("UserProfiles", []):
            profile = sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=summary["UserProfileName"])
            roles.add(profile.get("UserSettings", {}).get("ExecutionRole"))
    return sorted(role for role in roles if role)


def verify_region(aws: Aws, config: CatalogConfig, targets: tuple[str, ...], domain_id: str = "") -> list[Check]:
    checks = []
    account = aws.account_id()
    partition = aws.session.get_partition_for_region(aws.region)
    resolve = lambda arn: fill_pseudo_parameters(arn, account, aws.region, partition)  # noqa: E731

    status = aws.client("sagemaker").get_sagemaker_servicecatalog_portfolio_status()["Status"]
    checks.append(Check(
        "SageMaker uses Service Catalog", status == "Enabled", f"status {status}",
        "run `aws sagemaker enable-sagemaker-servicecatalog-portfolio` (or enable project templates in the Studio admin settings)",
    ))

    iam = aws.client("iam")
    for role, (service, _, _) in ROLE_SPECS.items():
        name = getattr(config.roles, role)
        try:
            described = iam.get_role(RoleName=name)["Role"]
        except ClientError as error:
            if error_code(error) != "NoSuchEntity":
                raise
            checks.append(Check(f"role {name}", False, "missing", "deploy the roles stack: set publish.deploy_roles and publish"))
            continue
        trusted = [
            principal
            for statement in described["AssumeRolePolicyDocument"]["Statement"]
            for principal in _as_list(statement.get("Principal", {}).get("Service", []))
        ]
        checks.append(Check(
            f"role {name}", service in trusted, f"trusts {', '.join(trusted) or 'no service'}",
            f"the role must trust {service}; redeploy the roles stack",
        ))

    if GIT_PRODUCT in config.products:
        checks.extend(connection_checks(aws))
    if "servicecatalog" in targets:
        checks.extend(_portfolio_checks(aws, config, resolve, domain_id))
    if "s3" in targets:
        checks.extend(_s3_route_checks(aws, config, account))
    return checks


GIT_PRODUCT = "build-train-deploy-git"


def connection_checks(aws: Aws) -> list[Check]:
    """Studio offers only connections that are AVAILABLE and tagged sagemaker=true.

    The project roles rely on the same tag: CodePipeline and the seed check-in build may
    use a connection only when it carries it.
    """
    client = aws.client("codeconnections")
    connections, token = [], None
    while True:  # botocore has no paginator for ListConnections
        page = client.list_connections(**({"NextToken": token} if token else {}))
        connections += page.get("Connections", [])
        token = page.get("NextToken")
        if not token:
            break
    fix = ("complete the connection's handshake in the Developer Tools console (status AVAILABLE) and tag it "
           "sagemaker=true (the project roles may use only tagged connections): "
           "`aws codeconnections tag-resource --resource-arn <arn> --tags Key=sagemaker,Value=true`")
    if not connections:
        return [Check("a CodeConnections connection for build-train-deploy-git", False, "no connection in this region", fix)]
    checks = []
    for connection in connections:
        tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceArn=connection["ConnectionArn"]).get("Tags", [])}
        status = connection.get("ConnectionStatus", "UNKNOWN")
        usable = status == "AVAILABLE" and tags.get("sagemaker") == "true"
        checks.append(Check(
            f"connection {connection['ConnectionName']} usable from Studio", usable,
            f"{connection.get('ProviderType', '?')}, {status}, tag sagemaker={tags.get('sagemaker', '(unset)')}", fix,
        ))
    return checks


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _portfolio_checks(aws: Aws, config: CatalogConfig, resolve, domain_id: str) -> list[Check]:
    outputs = _outputs(aws, config.publish.portfolio_stack)
    if outputs is None or "PortfolioId" not in outputs:
        return [Check("portfolio stack", False, f"{config.publish.portfolio_stack} not found", "run `publish.py publish`")]
    checks = [Check("portfolio stack", True, config.publish.portfolio_stack)]
    servicecatalog = aws.client("servicecatalog")
    portfolio_id = outputs["PortfolioId"]
    product_ids = {key[: -len("ProductId")]: value for key, value in outputs.items() if key.endswith("ProductId")}
    for name, product_id in sorted(product_ids.items()):
        tags = {t["Key"]: t["Value"] for t in servicecatalog.describe_product_as_admin(Id=product_id).get("Tags", [])}
        visible = all(tags.get(k) == v for k, v in STUDIO_VISIBILITY.items())
        checks.append(Check(
            f"product {name} is visible in Studio", visible, "tagged sagemaker:studio-visibility=true" if visible else "tag missing",
            "the product needs the tag sagemaker:studio-visibility=true; republish the portfolio stack",
        ))
        constraints = servicecatalog.list_constraints_for_portfolio(PortfolioId=portfolio_id, ProductId=product_id)
        launch = [c for c in constraints.get("ConstraintDetails", []) if c["Type"] == "LAUNCH"]
        checks.append(Check(
            f"product {name} has a launch constraint", bool(launch), f"{len(launch)} launch constraint(s)",
            f"add a launch constraint with {config.roles.launch}; republish the portfolio stack",
        ))
    associated = {
        p["PrincipalARN"]
        for page in servicecatalog.get_paginator("list_principals_for_portfolio").paginate(PortfolioId=portfolio_id)
        for p in page.get("Principals", [])
    }
    for principal in config.portfolio.principals:
        arn = resolve(principal.arn)
        checks.append(Check(
            f"principal {arn} is associated", arn in associated, "associated" if arn in associated else "not associated",
            "republish the portfolio stack",
        ))
    if domain_id:
        patterns = [resolve(p.arn) for p in config.portfolio.principals]
        for role in studio_execution_roles(aws, domain_id):
            covered = any(_principal_matches(role, pattern) for pattern in patterns)
            checks.append(Check(
                f"Studio execution role {role} sees the templates", covered,
                "matches a portfolio principal" if covered else "matches no portfolio principal",
                "add the role (or a wildcard ARN matching it) to portfolio.principals and publish",
            ))
    return checks


def _s3_route_checks(aws: Aws, config: CatalogConfig, account: str) -> list[Check]:
    bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
    if not bucket.exists():
        return [Check("S3 route bucket", False, f"{bucket.name} missing", "run `publish.py publish --target s3`")]
    missing = bucket.missing_settings(cors=True)
    checks = [Check(
        "S3 route bucket allows Studio (CORS)", "CORS for Studio" not in missing,
        "CORS allows " + STUDIO_ORIGIN if "CORS for Studio" not in missing else "no CORS rule for Studio",
        "run `publish.py publish --target s3`",
    )]
    s3 = aws.client("s3")
    prefix = config.publish.s3_templates_prefix
    for name in config.products:
        key = f"{prefix}/{name}.json"
        try:
            tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket.name, Key=key)["TagSet"]}
        except ClientError:
            tags = None
        ok = tags is not None and all(tags.get(k) == v for k, v in STUDIO_VISIBILITY.items())
        checks.append(Check(
            f"S3 template {key} is visible in Studio", ok,
            "missing" if tags is None else ("tagged" if ok else "tag sagemaker:studio-visibility=true missing"),
            "run `publish.py publish --target s3`",
        ))
    sagemaker = aws.client("sagemaker")
    domain_arn = sagemaker.describe_domain(DomainId=config.publish.studio_domain_id)["DomainArn"]
    tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=domain_arn).get("Tags", [])}
    location = studio_templates_location(config, bucket.name)
    checks.append(Check(
        f"domain {config.publish.studio_domain_id} points Studio at the templates", tags.get(S3_TEMPLATES_TAG) == location,
        f"{S3_TEMPLATES_TAG}={tags.get(S3_TEMPLATES_TAG, '(unset)')}", "run `publish.py publish --target s3`",
    ))
    return checks
