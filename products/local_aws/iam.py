"""The emulator authorizes each request made with a role's credentials, as IAM would.

Code that runs under a role in AWS (a buildspec under the CodeBuild role, a pipeline
step under the pipeline or execution role) gets that role's credentials from the
emulator's STS (AssumeRole on the role the roles stack created there). Installed in the
moto_server process, this checks every request signed with such credentials against the
role's policies as deployed (the roles stack's, through CloudFormation), for the
request's own resource ARN (iam_resources.py) and condition context, with
iam_evaluator.py. A request the role does not allow fails with AccessDenied naming the
role, the action and the ARN. Requests signed with other credentials (the demo harness,
standing in for Service Catalog and CodePipeline) are not checked.

Every check is appended as a JSON line to $EMULATOR_IAM_LOG when it is set.
"""

import json
import os
import re
import threading

from products.analysis import iam_evaluator, iam_resources

_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
_LOG_LOCK = threading.Lock()


class RoleDenied(Exception):
    """The role's policies do not allow the request."""


def _assumed_role(account: str, access_key: str) -> str | None:
    """The ARN of the role whose assumed-role credentials use ``access_key``, else None."""
    from moto.sts.models import sts_backends

    for assumed in sts_backends[account]["aws"].assumed_roles:
        if assumed.access_key_id == access_key:
            return assumed.role_arn
    return None


def _role(account: str, role_arn: str):
    """The role in the emulator's IAM; moto's NotFoundException if there is none."""
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"].get_role(role_arn.rsplit("/", 1)[1])


def role_exists(account: str, role_arn: str) -> bool:
    from moto.iam.exceptions import NotFoundException

    try:
        _role(account, role_arn)
    except NotFoundException:
        return False
    return True


def role_policies(account: str, role_arn: str) -> list[dict]:
    """The role's inline and attached policy documents, as the emulator's IAM holds them."""
    role = _role(account, role_arn)
    documents = list(role.policies.values())
    for policy in role.managed_policies.values():
        documents.append(next(v.document for v in policy.versions if v.is_default))
    return [json.loads(d) if isinstance(d, str) else d for d in documents]


def role_boundary(account: str, role_arn: str) -> dict | None:
    """The role's permissions boundary document, None without one. A boundary the emulator does not hold refuses
    every call (AWS refuses to create a role with a boundary that does not exist; nothing is allowed past it)."""
    from moto.iam.models import iam_backends

    boundary_arn = getattr(_role(account, role_arn), "permissions_boundary_arn", None)
    if not boundary_arn:
        return None
    policy = iam_backends[account]["aws"].managed_policies.get(boundary_arn)
    if policy is None:
        return {"Version": "2012-10-17", "Statement": []}
    document = next(v.document for v in policy.versions if v.is_default)
    return json.loads(document) if isinstance(document, str) else document


def _log(entry: dict) -> None:
    path = os.environ.get("EMULATOR_IAM_LOG")
    if path:
        with _LOG_LOCK, open(path, "a") as log:
            log.write(json.dumps(entry, sort_keys=True) + "\n")


def check(account: str, role_arn: str, checks: list, caller: str) -> None:
    """Evaluate each authorization; RoleDenied naming the first one the role's policies, or its permissions
    boundary, refuse (IAM allows a bounded role's call only when both allow it)."""
    policies, role_name = role_policies(account, role_arn), role_arn.rsplit("/", 1)[1]
    boundary = role_boundary(account, role_arn)
    for authorization in checks:
        decision = iam_evaluator.evaluate(policies, authorization.action, authorization.resource, authorization.context)
        if decision.allowed and boundary is not None:
            bounded = iam_evaluator.evaluate([boundary], authorization.action, authorization.resource,
                                             authorization.context)
            if not bounded.allowed:
                decision = iam_evaluator.Decision(False, f"outside its permissions boundary ({bounded.reason})")
        _log({"role": role_name, "action": authorization.action, "resource": authorization.resource,
              "allowed": decision.allowed, "reason": decision.reason, "caller": caller})
        if not decision.allowed:
            raise RoleDenied(f"{role_name} is not authorized to perform: {authorization.action} "
                             f"on resource: {authorization.resource} ({decision.reason})")


ORGANIZATIONS_ROLE = "OrganizationAccountAccessRole"


def check_trust(caller_arn: str, target_arn: str) -> None:
    """The other side of an AssumeRole: the target role's trust policy must name the caller (for a role of
    another account, IAM needs this and the caller's own policy both). RoleDenied if it does not."""
    from moto.iam.exceptions import NotFoundException

    target_account = target_arn.split(":")[4]
    try:
        trust = _role(target_account, target_arn).assume_role_policy_document
    except NotFoundException:
        raise RoleDenied(f"{target_arn} does not exist") from None
    decision = iam_evaluator.resource_policy_allows(json.loads(trust) if isinstance(trust, str) else trust,
                                                    caller_arn, "sts:AssumeRole", target_arn)
    _log({"role": target_arn.rsplit("/", 1)[1], "action": "sts:AssumeRole (trust)", "resource": target_arn,
          "principal": caller_arn, "allowed": decision.allowed, "reason": decision.reason, "caller": "sts:AssumeRole"})
    if not decision.allowed:
        raise RoleDenied(f"{caller_arn} is not trusted by {target_arn} ({decision.reason})")


EMULATOR_CREDENTIALS = {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}


def service_role_credentials(endpoint_url: str, region: str, principal: str, role_arn: str, session: str) -> dict:
    """The credentials a service (``lambda.amazonaws.com``) hands the code it runs as ``role_arn``, from the
    emulator's STS, as environment variables; RoleDenied unless the role's trust policy names the service."""
    import boto3

    check_trust(principal, role_arn)
    sts = boto3.Session(region_name=region, **EMULATOR_CREDENTIALS).client("sts", endpoint_url=endpoint_url)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session[:64])["Credentials"]
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"], "AWS_ENDPOINT_URL": endpoint_url}


_PATH_PARAMETERS = re.compile(r"/endpoints/(?P<EndpointName>[^/]+)/invocations")  # REST operations' URL members


def _parameters(response) -> dict:
    """The request's parameters: a JSON body, query parameters, or members in the URL path."""
    body = response.body if isinstance(response.body, str) else (response.body or b"").decode(errors="replace")
    parameters = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in response.querystring.items()}
    if body.strip().startswith("{"):
        try:
            parameters.update(json.loads(body))
        except json.JSONDecodeError:
            pass
    in_path = _PATH_PARAMETERS.search(response.path or "")
    if in_path:
        parameters.update(in_path.groupdict())
    return parameters


def request_role(response) -> str | None:
    """The role whose assumed-role credentials signed the request; None for any other credentials."""
    match = _CREDENTIAL.search(response.headers.get("Authorization", ""))
    return _assumed_role(response.current_account, match.group(1)) if match else None


def _authorize(response, iam_request_cls, resource: str = "*") -> None:
    match = _CREDENTIAL.search(response.headers.get("Authorization", ""))
    if not match:
        return
    access_key, region, service = match.groups()
    account = response.current_account
    role_arn = _assumed_role(account, access_key)
    if role_arn is None:
        return  # the harness's own credentials: not a project role
    if not role_exists(account, role_arn):
        if role_arn.rsplit("/", 1)[1] == ORGANIZATIONS_ROLE:
            # A member account's OrganizationAccountAccessRole: AWS Organizations creates it with
            # AdministratorAccess, so the emulator lets it do anything (and logs that it did).
            _log({"role": ORGANIZATIONS_ROLE, "action": "*", "resource": "*", "allowed": True, "account": account,
                  "reason": "AdministratorAccess, as AWS Organizations creates it", "caller": "organizations"})
            return
        # moto hands out credentials for any role ARN; AWS refuses AssumeRole on a role that does not exist,
        # so no request could carry them there.
        raise _refusal(response, "AccessDenied", f"emulator: {role_arn} does not exist in account {account}; "
                                                 "AWS would not have let it be assumed")
    if iam_request_cls.__name__ == "S3IAMRequest":
        operation = response.data.get("Action", "")
        action = "s3:" + ("ListBucket" if operation == "HeadBucket" else operation)
        # A listing's prefix is the s3:prefix condition key (S3 User Guide, "Condition key examples").
        prefix = response.querystring.get("prefix") if action == "s3:ListBucket" else None
        context = {"s3:prefix": prefix[0] if isinstance(prefix, list) else prefix} if prefix is not None else {}
        checks = [iam_resources.Authorization(action, resource, context)]
    else:
        operation = response._get_action()
        parameters = _parameters(response)
        try:
            checks = iam_resources.authorizations(service, operation, parameters, region, account)
        except (iam_resources.UnmappedOperation, KeyError) as error:
            what = "no resource mapping for" if isinstance(error, iam_resources.UnmappedOperation) else "missing parameter"
            refused = _refusal(response, "AccessDenied", f"emulator: {what} {error.args[0]} ({service}:{operation}); "
                                                         "see products/analysis/iam_resources.py")
            raise refused from None
    try:
        check(account, role_arn, checks, caller=f"{service}:{operation}")
        if service == "sts" and operation == "AssumeRole":
            check_trust(role_arn, parameters["RoleArn"])
    except RoleDenied as denied:
        if iam_request_cls.__name__ == "S3IAMRequest":  # S3's own AccessDenied, as boto3 expects it
            from moto.s3.exceptions import BucketAccessDeniedError, S3AccessDeniedError

            bucket = response.data.get("BucketName") if isinstance(response.data, dict) else None
            raise (BucketAccessDeniedError(bucket) if bucket else S3AccessDeniedError()) from None
        raise _refusal(response, "AccessDenied", f"User: {denied}") from None


def _refusal(response, code: str, message: str):
    """A 403 in the request's protocol: JSON (AccessDeniedException) or the query protocols' XML, which boto3
    could not parse as JSON."""
    from moto.core.exceptions import JsonRESTError, _RESTError

    json_protocol = "json" in response.headers.get("Content-Type", "")
    error = JsonRESTError(f"{code}Exception", message) if json_protocol else _RESTError(code, message)
    error.code = 403
    return error


def install() -> None:
    """Patch moto (in this process) so requests under assumed roles are authorized."""
    from moto.core.authorization import ActionAuthenticatorMixin

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize
