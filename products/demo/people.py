"""The person the demo and the acceptance run act as: a data scientist with a Studio execution role, who creates
a project, pushes to it, approves its model and its prod gate, asks its endpoints, and deletes it.

Every one of those calls is made with the role's own credentials, so the local AWS checks them against its
policies as AWS would. The role is named by a portfolio principal's pattern (Studio's execution roles) so the
portfolio lets it launch products, and is given the catalog's S3-route user policy. One difference from a Studio
user's role: a Studio execution role trusts only ``sagemaker.amazonaws.com``; this one also trusts its own account,
so the run (not Studio) can assume it. That is why it exists only for the run.
"""

import json
import time

import boto3

SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
# The project and Service Catalog end-user actions of AmazonSageMakerFullAccess, which Studio execution roles are
# given (the managed policy itself is not in the local AWS).
STUDIO_PROJECT_ACTIONS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
    "sagemaker:CreateProject", "sagemaker:DescribeProject", "sagemaker:ListProjects", "sagemaker:DeleteProject",
    "sagemaker:AddTags", "servicecatalog:ProvisionProduct", "servicecatalog:TerminateProvisionedProduct",
    "servicecatalog:DescribeRecord", "servicecatalog:DescribeProvisionedProduct"]}]}
# What the person does besides creating and deleting projects: push a commit (what `git push` amounts to),
# approve the model package and the prod gate, ask an endpoint. The Service Catalog reads are what an end user of a
# portfolio is given (AWS's AWSServiceCatalogEndUserFullAccess has them), in case SageMaker reads the product as
# the caller before launching it; the local AWS does not need them.
PERSON_ACTIONS = ["servicecatalog:DescribeProduct", "servicecatalog:DescribeProvisioningParameters",
                  "servicecatalog:ListLaunchPaths", "servicecatalog:SearchProducts",
                  "codecommit:GetBranch", "codecommit:CreateCommit",
                  "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage",
                  "codepipeline:GetPipelineState", "codepipeline:PutApprovalResult", "sagemaker:InvokeEndpoint"]
# IAM is eventually consistent: AWS may refuse to let a new role be assumed for some seconds.
ASSUME_ATTEMPTS, ASSUME_PAUSE_SECONDS = 12, 5.0


def role_policy() -> dict:
    """The role's inline policy: Studio's project actions and the person's."""
    (statement,) = STUDIO_PROJECT_ACTIONS["Statement"]
    return {"Version": "2012-10-17", "Statement": [{**statement, "Action": statement["Action"] + PERSON_ACTIONS}]}


def create_person_role(iam, role_arn: str, user_policy_arn: str) -> None:
    """The person's role: Studio's trust plus the role's own account, its actions, the S3-route user policy."""
    partition, account = role_arn.split(":")[1], role_arn.split(":")[4]
    path, name = _path_and_name(role_arn)
    trust = {"Version": "2012-10-17", "Statement": SAGEMAKER_TRUST["Statement"] + [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust),
                    Description="The person a catalog demo or acceptance run acts as; deleted by the run")
    iam.put_role_policy(RoleName=name, PolicyName="person", PolicyDocument=json.dumps(role_policy()))
    iam.attach_role_policy(RoleName=name, PolicyArn=user_policy_arn)


def delete_person_role(iam, role_arn: str) -> bool:
    """The role and its policies gone; False if there was no such role."""
    _, name = _path_and_name(role_arn)
    try:
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    except iam.exceptions.NoSuchEntityException:
        return False
    for policy in attached:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)
    return True


def session_as_person(sts, role_arn: str, region: str, pause: float = ASSUME_PAUSE_SECONDS) -> boto3.Session:
    """A session with the role's credentials, asked by ``sts``, renewed before they expire (an assumed role's last
    an hour; an acceptance run takes longer); the first ask retried while IAM has not yet spread a new role."""
    from botocore.credentials import RefreshableCredentials
    from botocore.session import get_session

    def fetch() -> dict:
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="person")["Credentials"]
        return {"access_key": credentials["AccessKeyId"], "secret_key": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"], "expiry_time": credentials["Expiration"].isoformat()}

    for attempt in range(ASSUME_ATTEMPTS):
        try:
            first = fetch()
            break
        except sts.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "AccessDenied" or attempt == ASSUME_ATTEMPTS - 1:
                raise
            time.sleep(pause)
    botocore_session = get_session()
    botocore_session._credentials = RefreshableCredentials.create_from_metadata(  # botocore's own renewal
        metadata=first, refresh_using=fetch, method="sts-assume-role")
    return boto3.Session(botocore_session=botocore_session, region_name=region)


def _path_and_name(role_arn: str) -> tuple[str, str]:
    resource = role_arn.split(":", 5)[5].removeprefix("role")
    path, _, name = resource.rpartition("/")
    return path + "/", name
