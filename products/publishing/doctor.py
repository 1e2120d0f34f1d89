"""`verify` (alias `doctor`): what makes templates invisible or unusable in Studio, and how to fix it.

Every check is a read. Each result passes, fails (saying what to do) or is "not checked":
the endpoint does not support the API the check needs (the emulator lacks several Service
Catalog and SageMaker APIs). One check's error never hides the others' results.
"""

from dataclasses import dataclass

from botocore.exceptions import ClientError

from products.catalog.config import CatalogConfig
from products.publishing.assets import STUDIO_ORIGIN, AssetBucket, bucket_name, studio_template_key
from products.publishing.aws import Aws, error_code, fill_pseudo_parameters, lacks_api
from products.publishing.publisher import (
    S3_TEMPLATES_TAG, STUDIO_VISIBILITY, domain_templates_location, studio_templates_location,
)
from products.publishing.stacks import stack_outputs
from products.analysis.portfolio_access import principal_matches
from products import PRODUCTS
from products.catalog.roles import ROLE_SPECS, STUDIO_USER_POLICY


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str
    fix: str = ""
    checked: bool = True  # False: the endpoint could not answer the check's API

    @property
    def status(self) -> str:
        return "not checked" if not self.checked else ("pass" if self.passed else "fail")

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    def as_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def guarded(aws: Aws, names: list[str], run) -> list[Check]:
    """``run()``'s checks; if an AWS call fails, one result per name saying why it could not be checked."""
    try:
        return run()
    except ClientError as error:
        operation = getattr(error, "operation_name", "the call")
        if lacks_api(error, aws.client("sts").meta.endpoint_url):
            return [Check(name, False, f"not checked: the endpoint does not support {operation}", checked=False)
                    for name in names]
        message = error.response.get("Error", {}).get("Message", "")
        return [Check(name, False, f"{operation} failed: {error_code(error)} {message}".strip(),
                      "grant the caller read access to it, or check the API's status") for name in names]


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
    account = aws.account_id()
    partition = aws.session.get_partition_for_region(aws.region)
    resolve = lambda arn: fill_pseudo_parameters(arn, account, aws.region, partition)  # noqa: E731

    checks = guarded(aws, ["SageMaker uses Service Catalog"], lambda: [_portfolio_status(aws)])
    for role, (service, _, _) in ROLE_SPECS.items():
        name = getattr(config.roles, role)
        checks += guarded(aws, [f"role {name}"], lambda name=name, service=service: [_role_check(aws, name, service)])
    if any(name in GIT_PRODUCTS for name in config.products):
        checks += guarded(aws, ["a CodeConnections connection for the Git products"], lambda: connection_checks(aws))
    if "servicecatalog" in targets:
        checks += guarded(aws, ["portfolio stack"], lambda: _portfolio_checks(aws, config, resolve, domain_id))
    if "s3" in targets:
        checks += _s3_route_checks(aws, config, account, domain_id or config.publish.studio_domain_id)
    return checks


def _portfolio_status(aws: Aws) -> Check:
    status = aws.client("sagemaker").get_sagemaker_servicecatalog_portfolio_status()["Status"]
    return Check(
        "SageMaker uses Service Catalog", status == "Enabled", f"status {status}",
        "run `aws sagemaker enable-sagemaker-servicecatalog-portfolio` (or enable project templates in the Studio admin settings)",
    )


def _role_check(aws: Aws, name: str, service: str | tuple[str, ...]) -> Check:
    try:
        described = aws.client("iam").get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        return Check(f"role {name}", False, "missing", "deploy the roles stack: set publish.deploy_roles and publish")
    trusted = [
        principal
        for statement in described["AssumeRolePolicyDocument"]["Statement"]
        for principal in _as_list(statement.get("Principal", {}).get("Service", []))
    ]
    services = (service,) if isinstance(service, str) else service
    missing = [s for s in services if s not in trusted]
    return Check(
        f"role {name}", not missing, f"trusts {', '.join(trusted) or 'no service'}",
        f"the role must trust {', '.join(missing)}; redeploy the roles stack",
    )


# The products whose repositories live with a Git provider, reached through CodeConnections (the -git flavours).
GIT_PRODUCTS = tuple(name for name in PRODUCTS if name.endswith("-git"))


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
        return [Check("a CodeConnections connection for the Git products", False, "no connection in this region", fix)]
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
    outputs = stack_outputs(aws.client("cloudformation"), config.publish.portfolio_stack)
    if outputs is None:
        return [Check("portfolio stack", False, f"{config.publish.portfolio_stack} not found", "run `publish.py publish`")]
    if "PortfolioId" not in outputs:
        return [Check("portfolio stack", False, f"{config.publish.portfolio_stack} has no PortfolioId output",
                      "republish the portfolio stack")]
    checks = [Check("portfolio stack", True, config.publish.portfolio_stack)]
    servicecatalog = aws.client("servicecatalog")
    portfolio_id = outputs["PortfolioId"]
    product_ids = {key[: -len("ProductId")]: value for key, value in outputs.items() if key.endswith("ProductId")}
    for name, product_id in sorted(product_ids.items()):
        checks += guarded(aws, [f"product {name} is visible in Studio"], lambda product_id=product_id, name=name: [
            _product_visibility(servicecatalog, name, product_id)])
        checks += guarded(aws, [f"product {name} has a launch constraint"], lambda product_id=product_id, name=name: [
            _launch_constraint(servicecatalog, config, portfolio_id, name, product_id)])
    arns = [resolve(p.arn) for p in config.portfolio.principals]
    checks += guarded(aws, [f"principal {arn} is associated" for arn in arns],
                      lambda: _associations(servicecatalog, portfolio_id, arns))
    if domain_id:
        checks += guarded(aws, [f"Studio execution roles of {domain_id} see the templates"],
                          lambda: _execution_role_checks(aws, domain_id, arns))
    return checks


def _product_visibility(servicecatalog, name: str, product_id: str) -> Check:
    tags = {t["Key"]: t["Value"] for t in servicecatalog.describe_product_as_admin(Id=product_id).get("Tags", [])}
    visible = all(tags.get(k) == v for k, v in STUDIO_VISIBILITY.items())
    return Check(
        f"product {name} is visible in Studio", visible, "tagged sagemaker:studio-visibility=true" if visible else "tag missing",
        "the product needs the tag sagemaker:studio-visibility=true; republish the portfolio stack",
    )


def _launch_constraint(servicecatalog, config: CatalogConfig, portfolio_id: str, name: str, product_id: str) -> Check:
    constraints = servicecatalog.list_constraints_for_portfolio(PortfolioId=portfolio_id, ProductId=product_id)
    launch = [c for c in constraints.get("ConstraintDetails", []) if c["Type"] == "LAUNCH"]
    return Check(
        f"product {name} has a launch constraint", bool(launch), f"{len(launch)} launch constraint(s)",
        f"add a launch constraint with {config.roles.launch}; republish the portfolio stack",
    )


def _associations(servicecatalog, portfolio_id: str, arns: list[str]) -> list[Check]:
    associated = {
        p["PrincipalARN"]
        for page in servicecatalog.get_paginator("list_principals_for_portfolio").paginate(PortfolioId=portfolio_id)
        for p in page.get("Principals", [])
    }
    return [
        Check(f"principal {arn} is associated", arn in associated, "associated" if arn in associated else "not associated",
              "republish the portfolio stack")
        for arn in arns
    ]


def _execution_role_checks(aws: Aws, domain_id: str, patterns: list[str]) -> list[Check]:
    checks = []
    for role in studio_execution_roles(aws, domain_id):
        covered = any(principal_matches(role, pattern) for pattern in patterns)
        checks.append(Check(
            f"Studio execution role {role} sees the templates", covered,
            "matches a portfolio principal" if covered else "matches no portfolio principal",
            "add the role (or a wildcard ARN matching it) to portfolio.principals and publish",
        ))
    return checks


def _s3_route_checks(aws: Aws, config: CatalogConfig, account: str, domain_id: str) -> list[Check]:
    bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
    checks = guarded(aws, ["S3 route bucket allows Studio (CORS)"], lambda: [_cors_check(bucket)])
    for name in config.products:
        key = studio_template_key(config, name)
        checks += guarded(aws, [f"S3 template {key} is visible in Studio"], lambda key=key: [_template_tag_check(aws, bucket, key)])
    checks += guarded(aws, [f"domain {domain_id} points Studio at the templates"],
                      lambda: [_domain_tag_check(aws, config, bucket, domain_id)])
    checks += guarded(aws, [f"Studio execution roles of {domain_id} can create projects from the S3 route"],
                      lambda: [check for role in studio_execution_roles(aws, domain_id)
                               for check in s3_route_user_checks(aws, config, bucket.name, role, account)])
    return checks


def s3_route_permissions(config: CatalogConfig, bucket: str, partition: str, region: str, account: str) -> dict:
    """What a Studio execution role does to create a project on the S3 route, as IAM simulation requests:
    check name -> (actions, resource ARNs, context entries)."""
    prefix = config.publish.s3_templates_prefix
    launch_role = f"arn:{partition}:iam::{account}:role{config.roles.path}{config.roles.s3_launch}"
    templates = [f"arn:{partition}:s3:::{bucket}/{studio_template_key(config, name)}" for name in config.products]
    return {
        "list the S3 templates": (["s3:ListBucket"], [f"arn:{partition}:s3:::{bucket}"],
                                  [{"ContextKeyName": "s3:prefix", "ContextKeyValues": [f"{prefix}/"], "ContextKeyType": "string"}]),
        "read the S3 templates and their tags": (["s3:GetObject", "s3:GetObjectTagging"], templates, []),
        f"pass {config.roles.s3_launch} to CloudFormation": (["iam:PassRole"], [launch_role], [
            {"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["cloudformation.amazonaws.com"],
             "ContextKeyType": "string"}]),
        "create and delete the project's stack (SP-*)": (
            ["cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStacks"],
            [f"arn:{partition}:cloudformation:{region}:{account}:stack/SP-project/*"], []),
    }


def s3_route_user_checks(aws: Aws, config: CatalogConfig, bucket: str, role: str, account: str) -> list[Check]:
    """Each S3-route permission of one Studio execution role, simulated by IAM (iam:SimulatePrincipalPolicy)."""
    partition = aws.session.get_partition_for_region(aws.region)
    fix = (f"attach the roles stack's {STUDIO_USER_POLICY} policy to the role "
           "(output StudioS3RouteUserPolicyArn), or grant the same permissions")
    checks = []
    for what, (actions, resources, context) in s3_route_permissions(config, bucket, partition, aws.region, account).items():
        name = f"Studio execution role {role} may {what}"
        checks += guarded(aws, [name], lambda actions=actions, resources=resources, context=context, name=name: [
            _simulated(aws, role, name, actions, resources, context, fix)])
    return checks


def _simulated(aws: Aws, role: str, name: str, actions, resources, context, fix: str) -> Check:
    results = aws.client("iam").simulate_principal_policy(
        PolicySourceArn=role, ActionNames=actions, ResourceArns=resources, ContextEntries=context)["EvaluationResults"]
    refused = sorted({f"{r['EvalActionName']} ({r['EvalDecision']})" for r in results if r["EvalDecision"] != "allowed"})
    return Check(name, not refused, "allowed" if not refused else "refused: " + ", ".join(refused), fix)


def _cors_check(bucket: AssetBucket) -> Check:
    name = "S3 route bucket allows Studio (CORS)"
    if not bucket.exists():
        return Check(name, False, f"bucket {bucket.name} missing", "run `publish.py publish --target s3`")
    missing = bucket.missing_settings(cors=True)
    return Check(
        name, "CORS for Studio" not in missing,
        "CORS allows " + STUDIO_ORIGIN if "CORS for Studio" not in missing else "no CORS rule for Studio",
        "run `publish.py publish --target s3`",
    )


def _template_tag_check(aws: Aws, bucket: AssetBucket, key: str) -> Check:
    try:
        tag_set = aws.client("s3").get_object_tagging(Bucket=bucket.name, Key=key)["TagSet"]
    except ClientError as error:
        if error_code(error) not in ("NoSuchKey", "NoSuchBucket", "404"):
            raise
        tag_set = None
    tags = {t["Key"]: t["Value"] for t in tag_set} if tag_set is not None else None
    ok = tags is not None and all(tags.get(k) == v for k, v in STUDIO_VISIBILITY.items())
    return Check(
        f"S3 template {key} is visible in Studio", ok,
        "missing" if tags is None else ("tagged" if ok else "tag sagemaker:studio-visibility=true missing"),
        "run `publish.py publish --target s3`",
    )


def _domain_tag_check(aws: Aws, config: CatalogConfig, bucket: AssetBucket, domain_id: str) -> Check:
    name = f"domain {domain_id} points Studio at the templates"
    sagemaker = aws.client("sagemaker")
    try:
        domain_arn = sagemaker.describe_domain(DomainId=domain_id)["DomainArn"]
    except ClientError as error:
        if error_code(error) not in ("ResourceNotFound", "ValidationException"):
            raise
        return Check(name, False, f"domain {domain_id} not found in {aws.region}", "check --domain-id or publish.studio_domain_id")
    pointed = domain_templates_location(sagemaker, domain_arn)
    return Check(
        name, pointed == studio_templates_location(config, bucket.name),
        f"{S3_TEMPLATES_TAG}={'(unset)' if pointed is None else pointed}", "run `publish.py publish --target s3`",
    )
