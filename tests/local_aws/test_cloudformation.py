"""CloudFormation in the local AWS (products/local_aws/cloudformation/) creates a product's whole stack from its
published template, under the launch role, and fails, rolls back and deletes as AWS does.

One emulator for the module, with the roles stack and the seed zips in place as publishing leaves them; each
test creates its own stacks, named for it. The pipelines these stacks create do not start their first run
($EMULATOR_NO_CREATION_RUNS): these tests are about the stacks; the runs are tested in tests/demo/test_demo.py and
test_codepipeline.py.
"""

import json
import re
from collections import Counter

import boto3
import pytest
from botocore.exceptions import ClientError

from products.local_aws.cloudformation.dependencies import CircularDependency, creation_order
from products.local_aws import git_host
from products.local_aws.codepipeline_runs import NO_CREATION_RUNS
from products.local_aws.emulator import moto_server
from products.publishing.stacks import template_body
from tests.conftest import sample_parameters
from tests.local_git import git

REGION, ACCOUNT = "us-east-1", "123456789012"
LAUNCH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole"
ASSET_BUCKET = f"sagemaker-catalog-{ACCOUNT}-{REGION}"
WHOLE = ["build-train", "build-train-batch", "build-train-deploy", "deploy", "build-train-deploy-monitor", "build-train-git",
         "build-train-deploy-git", "deploy-git", "build-train-deploy-monitor-git", "build-train-batch-git"]


@pytest.fixture(scope="module")
def git_host_dir(tmp_path_factory):
    """The stand-in Git host's folder (products/local_aws/git_host.py), where the tests create a team's repositories."""
    return tmp_path_factory.mktemp("git-host")


@pytest.fixture(scope="module")
def local_aws(artifacts, git_host_dir):
    with moto_server(env={"EMULATOR_GIT_HOST_DIR": str(git_host_dir), NO_CREATION_RUNS: "1"}) as endpoint:
        def client(service):
            return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                                aws_access_key_id="admin", aws_secret_access_key="admin")

        cfn = client("cloudformation")
        cfn.create_stack(StackName="roles", TemplateBody=template_body(json.loads(artifacts.roles.data)),
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        client("s3").create_bucket(Bucket=ASSET_BUCKET)
        yield client


def _upload_seed_code(local_aws, artifacts, template: dict) -> None:
    """The seed zips at the keys the template's parameters default to (as publishing uploads them)."""
    for name, parameter in template["Parameters"].items():
        if name.endswith("SeedCodeKey"):
            repo = "model-build" if name.startswith("ModelBuild") else "model-deploy"
            local_aws("s3").put_object(Bucket=ASSET_BUCKET, Key=parameter["Default"], Body=artifacts.seed_zips[repo].data)


def _create(local_aws, name: str, template: dict, parameters: dict, role: str | None = LAUNCH_ROLE) -> dict:
    """CreateStack as the launch constraint's role (``role=None``: as the caller, for a role the launch role may not pass),
    from the template's URL in the asset bucket, as Service Catalog gives it (the largest products are over
    TemplateBody's 51,200 bytes)."""
    cfn = local_aws("cloudformation")
    local_aws("s3").put_object(Bucket=ASSET_BUCKET, Key=f"tests/{name}.json", Body=json.dumps(template).encode())
    cfn.create_stack(StackName=name, TemplateURL=f"https://{ASSET_BUCKET}.s3.{REGION}.amazonaws.com/tests/{name}.json",
                     Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                     **({"RoleARN": role} if role else {}))
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def _events(local_aws, stack_id: str) -> list[tuple[str, str, str]]:
    events = local_aws("cloudformation").describe_stack_events(StackName=stack_id)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "") for e in reversed(events)]


@pytest.mark.parametrize("product", WHOLE)
def test_a_products_whole_stack_is_created_under_the_launch_role_and_deleted(local_aws, artifacts, git_host_dir, product):
    template = json.loads(artifacts.product_templates[product].data)
    _upload_seed_code(local_aws, artifacts, template)
    parameters = {**sample_parameters(template), "SageMakerProjectId": f"p-{WHOLE.index(product)}{product.replace('-', '')[:10]}"}
    team_repositories = _team_repositories(git_host_dir, parameters, product)
    stack = _create(local_aws, f"SC-{product}", template, parameters)
    assert stack["StackStatus"] == "CREATE_COMPLETE", _failed(local_aws, stack["StackId"])
    completed = {logical for logical, status, _ in _events(local_aws, stack["StackId"]) if status == "CREATE_COMPLETE"}
    skipped = set(template["Resources"]) - completed
    assert f"SC-{product}" in completed
    assert all("Condition" in template["Resources"][logical] for logical in skipped), skipped  # false for these parameters
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    pipelines = [v for k, v in outputs.items() if k in ("ModelBuildPipelineName", "ModelDeployPipelineName")]
    repositories = [v for k, v in outputs.items() if k.endswith("RepositoryName")]
    assert pipelines and all(local_aws("codepipeline").get_pipeline(name=p)["pipeline"]["stages"][0]["name"] == "Source"
                             for p in pipelines)
    for repository in repositories:
        local_aws("codecommit").get_repository(repositoryName=repository)
    functions = _custom_resource_functions(template, stack)
    assert {name: _answered(local_aws, name) for name in functions} == {n: ["Create SUCCESS"] * c for n, c in functions.items()}
    for role, remote in team_repositories.items():  # the seed check-in pushed the seed zip's files
        assert outputs[f"{role}SeedResult"] == "pushed"
        branch = template["Parameters"][f"{role}CodeRepositoryBranch"]["Default"]
        files = git("ls-tree", "-r", "--name-only", branch, cwd=remote).split()
        assert "README.md" in files and "Makefile" in files

    local_aws("cloudformation").delete_stack(StackName=stack["StackId"])
    assert local_aws("cloudformation").describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    listed = [p["name"] for p in local_aws("codepipeline").list_pipelines()["pipelines"]]
    assert not set(pipelines) & set(listed)
    for repository in repositories:
        with pytest.raises(ClientError, match="RepositoryDoesNotExist"):
            local_aws("codecommit").get_repository(repositoryName=repository)
    assert {name: _answered(local_aws, name) for name in functions} == {
        n: ["Create SUCCESS"] * c + ["Delete SUCCESS"] * c for n, c in functions.items()}
    # DeletionPolicy Retain: the bucket and the model package group outlive the project (models and data).
    local_aws("s3").head_bucket(Bucket=outputs["ArtifactBucketName"])
    if "ModelPackageGroupName" in outputs:  # the deploy products deploy a group they are given
        local_aws("sagemaker").describe_model_package_group(ModelPackageGroupName=outputs["ModelPackageGroupName"])


def _team_repositories(git_host_dir, parameters: dict, product: str) -> dict:
    """The empty repositories a team creates on its Git provider before a Git product's project, by role (their
    names set in ``parameters``)."""
    if not product.endswith("-git"):
        return {}
    repositories = {}
    for role in ("ModelBuild", "ModelDeploy"):
        if f"{role}CodeRepositoryFullname" in parameters:
            name = parameters[f"{role}CodeRepositoryFullname"] = f"acme/{product}-{role.lower()}"  # one per product
            repositories[role] = git_host.create_repository(parameters["CodeConnectionArn"], name, git_host_dir)
    return repositories


def _custom_resource_functions(template: dict, stack: dict) -> dict[str, int]:
    """The functions behind the template's custom resources, as the stack named them: how many each answers."""
    project = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    tokens = [r["Properties"]["ServiceToken"]["Fn::GetAtt"][0] for r in template["Resources"].values()
              if r["Type"].startswith("Custom::")]
    names = [template["Resources"][t]["Properties"]["FunctionName"]["Fn::Sub"]
             .replace("${SageMakerProjectName}", project["SageMakerProjectName"])
             .replace("${SageMakerProjectId}", project["SageMakerProjectId"]) for t in tokens]
    return dict(Counter(names))


def _answered(local_aws, function_name: str) -> list[str]:
    """What the function told CloudFormation, request by request, from its log (each handler prints one line)."""
    logs = local_aws("logs")
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{function_name}")["logStreams"]
    events = sorted((e["timestamp"], e["message"]) for s in streams for e in logs.get_log_events(
        logGroupName=f"/aws/lambda/{function_name}", logStreamName=s["logStreamName"])["events"])
    lines = [message for _, message in events]  # invocations seconds apart: a process each
    answers = [json.loads(line) for line in lines if line.startswith('{"RequestType"')]
    return [f"{a['RequestType']} {a['Status']}" for a in answers]


def test_a_call_the_launch_role_does_not_allow_fails_its_resource_and_rolls_the_stack_back(local_aws, artifacts, role_policies):
    """The launch role as rendered, less its CodePipeline statements."""
    iam = local_aws("iam")
    iam.create_role(RoleName="narrow-launch", Path="/service-role/", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    statements = [s for document in role_policies["launch"] for s in document["Statement"]
                  if not any(str(a).startswith("codepipeline:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))]
    document = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName="narrow-launch", PolicyName="launch", PolicyDocument=json.dumps(document))
    template = json.loads(artifacts.product_templates["build-train"].data)
    _upload_seed_code(local_aws, artifacts, template)
    stack = _create(local_aws, "SC-narrow", template, {**sample_parameters(template), "SageMakerProjectId": "p-narrow"},
                    role=f"arn:aws:iam::{ACCOUNT}:role/service-role/narrow-launch")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = _events(local_aws, stack["StackId"])
    failed = [(logical, reason) for logical, status, reason in events if status == "CREATE_FAILED"]
    assert len(failed) == 1 and failed[0][0] == "ModelBuildPipeline"
    assert re.search(r"narrow-launch is not authorized to perform: codepipeline:\w+ on resource: "
                     r"arn:aws:codepipeline:us-east-1:123456789012:sagemaker-abalone-p-narrow-modelbuild", failed[0][1])
    created = [logical for logical, status, _ in events if status == "CREATE_COMPLETE" and logical != "SC-narrow"]
    deleted = [logical for logical, status, _ in events if status == "DELETE_COMPLETE"]
    retained = {k for k, r in template["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
    assert created and deleted == [c for c in reversed(created) if c not in retained]  # newest first
    assert "Outputs" not in local_aws("cloudformation").describe_stacks(StackName=stack["StackId"])["Stacks"][0]


def test_a_repository_whose_seed_zip_is_missing_fails_naming_the_object(local_aws, artifacts):
    template = json.loads(artifacts.product_templates["build-train"].data)
    template["Parameters"]["ModelBuildSeedCodeKey"]["Default"] = "seedcode/model-build/never-uploaded.zip"
    stack = _create(local_aws, "SC-no-seed", template, {**sample_parameters(template), "SageMakerProjectId": "p-noseed"})
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [(logical, reason) for logical, status, reason in _events(local_aws, stack["StackId"]) if status == "CREATE_FAILED"]
    assert failed == [("ModelBuildRepository", 'Resource handler returned message: "Code.S3: '
                       f's3://{ASSET_BUCKET}/seedcode/model-build/never-uploaded.zip does not exist"')]


def test_a_type_the_local_aws_cannot_create_fails_the_stack_naming_it(local_aws):
    template = {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "fails-naming-its-type"}},
        "Connection": {"Type": "AWS::CodeStarConnections::Connection", "DependsOn": "Bucket",
                       "Properties": {"ConnectionName": "c", "ProviderType": "GitHub"}}}}
    cfn = local_aws("cloudformation")
    cfn.create_stack(StackName="unsupported", TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName="unsupported")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    (reason,) = [r for _, status, r in _events(local_aws, stack["StackId"]) if status == "CREATE_FAILED"]
    assert "cannot create resources of type AWS::CodeStarConnections::Connection" in reason
    with pytest.raises(ClientError):
        local_aws("s3").head_bucket(Bucket="fails-naming-its-type")  # rolled back


def test_an_output_that_names_an_undeclared_resource_is_refused_as_cloudformation_validates(local_aws):
    """Issue 24's check "a stack output referenced but not defined": CreateStack refuses the template with
    CloudFormation's "Unresolved resource dependencies" (moto answered with an HTTP 500)."""
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "outputs-refused"}}},
                "Outputs": {"EndpointName": {"Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}}}}
    with pytest.raises(ClientError, match=r"Unresolved resource dependencies \[Endpoint\] in the Outputs block"):
        local_aws("cloudformation").create_stack(StackName="outputs-refused", TemplateBody=json.dumps(template))
    template["Resources"]["Bucket"]["DependsOn"] = "Key"
    with pytest.raises(ClientError, match=r"Unresolved resource dependencies \[Key\] in the Resources block"):
        local_aws("cloudformation").create_stack(StackName="outputs-refused", TemplateBody=json.dumps(template))


def test_a_parameter_value_its_declaration_does_not_allow_is_refused_in_cloudformations_words(local_aws):
    template = {"Parameters": {"Stage": {"Type": "String", "AllowedValues": ["", "222222222222"]},
                               "Named": {"Type": "String", "Default": "ok", "AllowedPattern": "^[a-z]+$",
                                         "ConstraintDescription": "must be lowercase letters"}},
                "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "constraints-refused"}}}}
    cfn = local_aws("cloudformation")
    with pytest.raises(ClientError, match="Parameter 'Stage' must be one of AllowedValues"):
        cfn.create_stack(StackName="constraints", TemplateBody=json.dumps(template),
                         Parameters=[{"ParameterKey": "Stage", "ParameterValue": "444444444444"}])
    with pytest.raises(ClientError, match="Parameter Named must be lowercase letters"):
        cfn.create_change_set(StackName="constraints", ChangeSetName="c", ChangeSetType="CREATE",
                              TemplateBody=json.dumps(template),
                              Parameters=[{"ParameterKey": "Stage", "ParameterValue": ""},
                                          {"ParameterKey": "Named", "ParameterValue": "Not-Lower"}])
    assert "constraints" not in {s["StackName"] for s in cfn.list_stacks()["StackSummaries"]}


def test_a_template_body_over_51200_bytes_is_refused_and_the_same_template_by_url_is_not(local_aws):
    template = {"Description": "x" * 100, "Resources": {f"Queue{i}": {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": f"limits-{i}", "Tags": [{"Key": "padding", "Value": "p" * 200}]}} for i in range(200)}}
    body = json.dumps(template)
    assert len(body) > 51_200
    cfn = local_aws("cloudformation")
    with pytest.raises(ClientError, match="Member must have length less than or equal to 51200"):
        cfn.create_stack(StackName="limits", TemplateBody=body)
    local_aws("s3").put_object(Bucket=ASSET_BUCKET, Key="tests/limits.json", Body=body.encode())
    cfn.validate_template(TemplateURL=f"https://{ASSET_BUCKET}.s3.{REGION}.amazonaws.com/tests/limits.json")


def _queue_stack(local_aws, name: str) -> dict:
    return {"Parameters": {"Delay": {"Type": "String", "Default": "1"}},
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-queue",
                                                                             "DelaySeconds": {"Ref": "Delay"}}}}}


@pytest.mark.parametrize("how", ["UpdateStack", "change set"])
def test_a_failed_update_rolls_the_stack_back_to_its_previous_template_and_parameters(local_aws, how):
    name = f"rollback-{'direct' if how == 'UpdateStack' else 'changeset'}"
    cfn = local_aws("cloudformation")
    template = _queue_stack(local_aws, name)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template),
                     Parameters=[{"ParameterKey": "Delay", "ParameterValue": "3"}])
    failing = json.loads(json.dumps(template))
    failing["Resources"]["Extra"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-extra"}}
    failing["Resources"]["Unsupported"] = {"Type": "AWS::CodeStarConnections::Connection", "DependsOn": "Extra",
                                           "Properties": {"ConnectionName": "c", "ProviderType": "GitHub"}}
    failing["Resources"]["Queue"]["Properties"]["DelaySeconds"] = 7
    if how == "UpdateStack":
        cfn.update_stack(StackName=name, TemplateBody=json.dumps(failing), Parameters=[{"ParameterKey": "Delay", "UsePreviousValue": True}])
    else:
        cfn.create_change_set(StackName=name, ChangeSetName="upgrade", ChangeSetType="UPDATE",
                              TemplateBody=json.dumps(failing), Parameters=[{"ParameterKey": "Delay", "UsePreviousValue": True}])
        cfn.execute_change_set(StackName=name, ChangeSetName="upgrade")
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack["Parameters"] == [{"ParameterKey": "Delay", "ParameterValue": "3"}]
    assert list(cfn.get_template(StackName=name)["TemplateBody"]["Resources"]) == ["Queue"]
    assert ("Unsupported", "CREATE_FAILED") in {(logical_id, status) for logical_id, status, _ in _events(local_aws, stack["StackId"])}
    queues = local_aws("sqs").list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    assert [url.rsplit("/", 1)[1] for url in queues] == [f"{name}-queue"]  # the added queue is gone again
    attributes = local_aws("sqs").get_queue_attributes(QueueUrl=queues[0], AttributeNames=["DelaySeconds"])["Attributes"]
    assert attributes["DelaySeconds"] == "3"


def test_a_change_set_says_which_modified_resources_are_replaced(local_aws):
    """From the types' create-only properties (the registry schemas): a bucket's new name replaces it, a queue's
    new delay does not."""
    cfn = local_aws("cloudformation")
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "replaced-or-not"}},
                              "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 1}}}}
    cfn.create_stack(StackName="replacement", TemplateBody=json.dumps(template))
    template["Resources"]["Bucket"]["Properties"]["BucketName"] = "replaced-or-not-2"
    template["Resources"]["Queue"]["Properties"]["DelaySeconds"] = 2
    cfn.create_change_set(StackName="replacement", ChangeSetName="c", ChangeSetType="UPDATE", TemplateBody=json.dumps(template))
    changes = cfn.describe_change_set(StackName="replacement", ChangeSetName="c")["Changes"]
    assert {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Replacement"] for c in changes} == {
        "Bucket": "True", "Queue": "False"}


def test_a_new_parameter_value_is_a_change_and_replaces_what_its_create_only_property_names(local_aws):
    """moto compared the templates only: the same template with a new value changed nothing."""
    cfn = local_aws("cloudformation")
    template = {"Parameters": {"Name": {"Type": "String", "Default": "alpha"}, "Delay": {"Type": "Number", "Default": "1"}},
                "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "by-param-${Name}"}}},
                              "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Ref": "Delay"}}}}}
    cfn.create_stack(StackName="by-parameter", TemplateBody=json.dumps(template))
    for name, given, expected in (("bucket", {"Name": "beta"}, {"Bucket": "True"}), ("queue", {"Delay": "5"}, {"Queue": "False"})):
        parameters = [{"ParameterKey": key, **({"ParameterValue": given[key]} if key in given else {"UsePreviousValue": True})}
                      for key in ("Name", "Delay")]
        cfn.create_change_set(StackName="by-parameter", ChangeSetName=name, ChangeSetType="UPDATE",
                              TemplateBody=json.dumps(template), Parameters=parameters)
        changes = cfn.describe_change_set(StackName="by-parameter", ChangeSetName=name)["Changes"]
        assert {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Replacement"] for c in changes} == expected


def test_an_update_reaches_what_refers_to_a_replaced_resource_and_what_a_condition_turns_on_or_off(local_aws):
    """A new name replaces the first parameter (Name is create-only); the second, whose value is the first's name
    (Ref), is updated to the new name, as CloudFormation's update reaches it; a condition's new choice changes an
    Fn::If and adds a resource. moto updated only what the template's text named, leaving the old name."""
    cfn, ssm = local_aws("cloudformation"), local_aws("ssm")
    template = {
        "Parameters": {"Name": {"Type": "String"}, "ExtraParameter": {"Type": "String", "Default": "no"}},
        "Conditions": {"WithExtra": {"Fn::Equals": [{"Ref": "ExtraParameter"}, "yes"]}},
        "Resources": {
            "Named": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": {"Fn::Sub": "/reach/${Name}"}, "Type": "String", "Value": "v"}},
            "Pointer": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": "/reach/pointer", "Type": "String",
                "Value": {"Fn::Join": [" ", [{"Ref": "Named"}, {"Fn::If": ["WithExtra", "extra", "plain"]}]]}}},
            "Extra": {"Type": "AWS::SSM::Parameter", "Condition": "WithExtra", "Properties": {
                "Name": "/reach/extra", "Type": "String", "Value": "x"}},
        },
    }
    cfn.create_stack(StackName="reach", TemplateBody=json.dumps(template),
                     Parameters=[{"ParameterKey": "Name", "ParameterValue": "one"}])
    assert ssm.get_parameter(Name="/reach/pointer")["Parameter"]["Value"] == "/reach/one plain"
    cfn.update_stack(StackName="reach", TemplateBody=json.dumps(template),
                     Parameters=[{"ParameterKey": "Name", "ParameterValue": "two"},
                                 {"ParameterKey": "ExtraParameter", "ParameterValue": "yes"}])
    assert cfn.describe_stacks(StackName="reach")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert ssm.get_parameter(Name="/reach/pointer")["Parameter"]["Value"] == "/reach/two extra"
    names = {p["Name"] for p in ssm.get_parameters_by_path(Path="/reach")["Parameters"]}
    assert names == {"/reach/two", "/reach/pointer", "/reach/extra"}


def test_a_resource_a_condition_turns_off_then_on_is_deleted_then_created_and_the_stack_deletes_cleanly(local_aws):
    cfn, ssm = local_aws("cloudformation"), local_aws("ssm")
    template = {"Parameters": {"On": {"Type": "String"}},
                "Conditions": {"Wanted": {"Fn::Equals": [{"Ref": "On"}, "yes"]}},
                "Resources": {"Kept": {"Type": "AWS::SSM::Parameter", "Properties": {
                                  "Name": "/flip/kept", "Type": "String", "Value": "k"}},
                              "Flipped": {"Type": "AWS::SSM::Parameter", "Condition": "Wanted", "Properties": {
                                  "Name": "/flip/flipped", "Type": "String", "Value": "f"}}}}

    def names():
        return {p["Name"] for p in ssm.get_parameters_by_path(Path="/flip")["Parameters"]}

    for value, expected in (("yes", {"/flip/kept", "/flip/flipped"}), ("no", {"/flip/kept"}),
                            ("yes", {"/flip/kept", "/flip/flipped"})):
        call = cfn.update_stack if value != "yes" or names() else cfn.create_stack
        call(StackName="flip", TemplateBody=json.dumps(template), Parameters=[{"ParameterKey": "On", "ParameterValue": value}])
        assert names() == expected, value
    dropped = {**template, "Resources": {"Kept": template["Resources"]["Kept"]}}  # a resource the template drops
    cfn.update_stack(StackName="flip", TemplateBody=json.dumps(dropped), Parameters=[{"ParameterKey": "On", "ParameterValue": "yes"}])
    assert names() == {"/flip/kept"}
    stack_id = cfn.describe_stacks(StackName="flip")["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName="flip")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert names() == set()


def test_an_update_under_a_role_that_may_not_change_the_resource_fails_it_and_rolls_back(local_aws):
    """A changed resource's handler calls are checked against the acting role, as an added one's are."""
    cfn = local_aws("cloudformation")
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": "sagemaker-project-role-checked", "Tags": [{"Key": "team", "Value": "a"}]}}}}
    cfn.create_stack(StackName="role-checked", TemplateBody=json.dumps(template))
    template["Resources"]["Bucket"]["Properties"]["Tags"] = [{"Key": "team", "Value": "b"}]
    events_role = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsEventsRole"
    cfn.update_stack(StackName="role-checked", TemplateBody=json.dumps(template), RoleARN=events_role)
    stack = cfn.describe_stacks(StackName="role-checked")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    (reason,) = [r for logical_id, status, r in _events(local_aws, stack["StackId"]) if status == "UPDATE_FAILED"]
    assert "s3:" in reason and "EventsRole" in reason, reason


def test_managed_policies_and_lambda_permissions_go_with_their_stack(local_aws):
    """moto created both and deleted neither (moto_deletions.py): the policy is detached and deleted, the
    permission's statement removed from a function the stack does not own."""
    role_trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = local_aws("iam").create_role(RoleName="outside-function", AssumeRolePolicyDocument=json.dumps(role_trust))["Role"]
    local_aws("lambda").create_function(FunctionName="outside", Runtime="python3.12", Role=role["Arn"],
                                        Handler="index.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    template = {"Resources": {
        "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "goes-with-its-stack", "Roles": ["outside-function"], "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}}},
        "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": "outside", "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"}}}}
    cfn = local_aws("cloudformation")
    cfn.create_stack(StackName="policies", TemplateBody=json.dumps(template))
    assert [p["PolicyName"] for p in local_aws("iam").list_attached_role_policies(RoleName="outside-function")[
        "AttachedPolicies"]] == ["goes-with-its-stack"]
    assert len(json.loads(local_aws("lambda").get_policy(FunctionName="outside")["Policy"])["Statement"]) == 1
    cfn.delete_stack(StackName="policies")
    assert local_aws("iam").list_attached_role_policies(RoleName="outside-function")["AttachedPolicies"] == []
    assert "goes-with-its-stack" not in {p["PolicyName"] for p in local_aws("iam").list_policies(Scope="Local")["Policies"]}
    with pytest.raises(ClientError, match="ResourceNotFoundException|No policy"):
        local_aws("lambda").get_policy(FunctionName="outside")


def test_a_type_the_local_aws_cannot_delete_fails_the_deletion_naming_it(local_aws):
    """moto creates an internet gateway in a stack but has no deletion for it: the stack is DELETE_FAILED naming
    the type, not DELETE_COMPLETE with the gateway left behind."""
    cfn = local_aws("cloudformation")
    cfn.create_stack(StackName="undeletable", TemplateBody=json.dumps(
        {"Resources": {"Gateway": {"Type": "AWS::EC2::InternetGateway"}}}))
    cfn.delete_stack(StackName="undeletable")
    stack = cfn.describe_stacks(StackName="undeletable")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    (reason,) = [r for logical_id, status, r in _events(local_aws, stack["StackId"]) if status == "DELETE_FAILED"
                 and logical_id == "Gateway"]
    assert "cannot delete resources of type AWS::EC2::InternetGateway" in reason


def test_the_portfolio_stack_creates_its_products_with_their_versions(local_aws, artifacts):
    """What Service Catalog's API then says of them: the product by its id (the versions, constraints and
    principals a stack keeps are read by the Service Catalog calls the local AWS adds next)."""
    cfn = local_aws("cloudformation")
    cfn.create_stack(StackName="portfolio", TemplateBody=artifacts.portfolio.data.decode())
    stack = cfn.describe_stacks(StackName="portfolio")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    template = json.loads(artifacts.portfolio.data)
    products = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"]
    assert len([k for k in outputs if k.endswith("ProductId")]) == len(products)
    for key, ids in outputs.items():
        if key.endswith("ProvisioningArtifactIds"):
            assert all(i.startswith("pa-") for i in ids.split(","))
    names = {r["Properties"]["Name"] for r in template["Resources"].values()
             if r["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"}
    described = {local_aws("servicecatalog").describe_product(Id=v)["ProductViewSummary"]["Name"]
                 for k, v in outputs.items() if k.endswith("ProductId")}
    assert described == names


def test_resources_are_created_after_what_they_refer_to_and_a_cycle_is_refused():
    resources = {
        "Pipeline": {"Type": "T", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Project": {"Ref": "Project"}}},
        "Project": {"Type": "T", "Properties": {"Bucket": {"Fn::Sub": "${Bucket}/x ${AWS::Region} ${!Literal}"}}},
        "Rule": {"Type": "T", "DependsOn": "Pipeline"},
        "Role": {"Type": "T"},
        "Bucket": {"Type": "T", "Properties": {"Name": {"Fn::Sub": ["${Name}", {"Name": {"Ref": "Role"}}]}}},
    }
    assert creation_order(resources) == ["Role", "Bucket", "Project", "Pipeline", "Rule"]
    resources["Role"]["Properties"] = {"Arn": {"Ref": "Rule"}}
    with pytest.raises(CircularDependency, match=r"Bucket, Pipeline, Project, Role, Rule"):
        creation_order(resources)


def _failed(local_aws, stack_id: str) -> list[tuple[str, str]]:
    return [(logical, reason) for logical, status, reason in _events(local_aws, stack_id) if status == "CREATE_FAILED"]


def test_a_misspelled_custom_resource_property_fails_the_stack_with_the_functions_reason(local_aws, artifacts):
    """The request reaches the shipped function, which runs as its role and answers FAILED through the
    pre-signed HTTPS URL; the stack rolls back with CloudFormation's wording of that answer."""
    template = json.loads(artifacts.product_templates["deploy"].data)
    _upload_seed_code(local_aws, artifacts, template)
    cleanup = template["Resources"]["EndpointCleanup"]["Properties"]
    cleanup["StackList"] = cleanup.pop("Stacks")
    stack = _create(local_aws, "SC-misspelled", template, {**sample_parameters(template), "SageMakerProjectId": "p-misspelt"})
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    ((logical, reason),) = _failed(local_aws, stack["StackId"])
    assert logical == "EndpointCleanup"
    assert re.fullmatch(r"Received response status \[FAILED\] from custom resource\. Message returned: property Stacks "
                        r"must list \{StackName, RoleArn\} objects, got None \(RequestId: [-0-9a-f]{36}\)", reason)


def test_an_output_artifact_renamed_between_two_stages_fails_the_pipeline_as_codepipeline_refuses_it(local_aws, artifacts):
    """CreatePipeline refuses a pipeline whose action reads an artifact no earlier action writes: the stack rolls
    back at the pipeline, naming the artifact and the action that reads it."""
    template = json.loads(artifacts.product_templates["deploy"].data)
    _upload_seed_code(local_aws, artifacts, template)
    stages = template["Resources"]["ModelDeployPipeline"]["Properties"]["Stages"]
    (build,) = [a for stage in stages for a in stage["Actions"] if a["Name"] == "BuildStageConfigs"]
    build["OutputArtifacts"] = [{"Name": "StageConfigs"}]
    stack = _create(local_aws, "SC-renamed-artifact", template, {**sample_parameters(template), "SageMakerProjectId": "p-renamed"})
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    ((logical, reason),) = _failed(local_aws, stack["StackId"])
    assert logical == "ModelDeployPipeline"
    assert "Input artifact 'BuildArtifact' of action 'DeployStagingEndpoint' in stage 'DeployStaging' is not the " \
           "output of any action before it" in reason, reason


def test_an_attribute_the_custom_resource_did_not_return_fails_what_reads_it(local_aws, artifacts):
    template = json.loads(artifacts.product_templates["deploy"].data)
    _upload_seed_code(local_aws, artifacts, template)
    template["Resources"]["Reader"] = {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Value": {"Fn::GetAtt": ["EndpointCleanup", "DeletedStacks"]}}}  # only Delete returns it
    stack = _create(local_aws, "SC-no-attribute", template, {**sample_parameters(template), "SageMakerProjectId": "p-noattr"})
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    ((logical, reason),) = _failed(local_aws, stack["StackId"])
    assert logical == "Reader" and "Vendor response doesn't contain DeletedStacks attribute" in reason


def test_a_function_whose_role_does_not_trust_lambda_never_answers(local_aws, artifacts):
    iam = local_aws("iam")
    iam.create_role(RoleName="not-for-lambda", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    template = json.loads(artifacts.product_templates["deploy"].data)
    _upload_seed_code(local_aws, artifacts, template)
    template["Resources"]["EndpointCleanupFunction"]["Properties"]["Role"] = f"arn:aws:iam::{ACCOUNT}:role/not-for-lambda"
    stack = _create(local_aws, "SC-untrusted", template, {**sample_parameters(template), "SageMakerProjectId": "p-untrust"},
                    role=None)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    ((logical, reason),) = _failed(local_aws, stack["StackId"])
    assert logical == "EndpointCleanup" and reason.startswith("CloudFormation did not receive a response from your Custom Resource")
    assert "lambda.amazonaws.com is not trusted by" in reason


def test_a_seed_check_in_into_a_repository_that_does_not_exist_fails_with_the_builds_reason(local_aws, artifacts):
    """StartBuild runs the check-in's buildspec as the project's role (moto alone would report it SUCCEEDED):
    git cannot read the team's repository, so the build fails in BUILD and the custom resource with it."""
    template = json.loads(artifacts.product_templates["build-train-git"].data)
    _upload_seed_code(local_aws, artifacts, template)
    parameters = {**sample_parameters(template), "SageMakerProjectId": "p-norepo",
                  "ModelBuildCodeRepositoryFullname": "acme/never-created"}
    stack = _create(local_aws, "SC-no-repository", template, parameters)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    ((logical, reason),) = _failed(local_aws, stack["StackId"])
    assert logical == "ModelBuildSeedCheckin"
    assert re.search(r"Message returned: seed check-in build sagemaker-abalone-p-norepo-seed:[-0-9a-f]+ FAILED in BUILD: "
                     r"buildspec\.yml: build phase: `set -eu -o pipefail` exited 1: and the repository exists\. \(RequestId", reason), reason


def test_retain_except_on_create_goes_with_a_failed_creation_and_stays_after_a_deletion(local_aws):
    """The GitHub product's OIDC provider: kept when its project is deleted, removed when its own launch fails."""
    def template(fails: bool, name: str) -> str:
        resources = {"Kept": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate",
                              "Properties": {"BucketName": name}}}
        if fails:
            resources["Fails"] = {"Type": "AWS::CodeStarConnections::Connection", "DependsOn": "Kept",
                                  "Properties": {"ConnectionName": "c", "ProviderType": "GitHub"}}
        return json.dumps({"Resources": resources})

    cfn, s3 = local_aws("cloudformation"), local_aws("s3")
    cfn.create_stack(StackName="retain-failed", TemplateBody=template(True, "retain-except-failed"))
    assert cfn.describe_stacks(StackName="retain-failed")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    cfn.create_stack(StackName="retain-kept", TemplateBody=template(False, "retain-except-kept"))
    cfn.delete_stack(StackName="retain-kept")
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "retain-except-kept" in buckets and "retain-except-failed" not in buckets
