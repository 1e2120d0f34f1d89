"""IAM: least privilege in the roles stack, and products that only use those roles."""

import re

from products.blocks.iam import CONDITION_SCOPED_WILDCARD_ACTIONS, ROLE_FIELDS, WILDCARD_RESOURCE_ACTIONS


def _statements(rendered):
    """(template, resource, statement) for every policy statement in every template."""
    for path, template in rendered.items():
        for logical_id, resource in template["Resources"].items():
            props = resource.get("Properties", {})
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
            if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"):
                documents.append(props["PolicyDocument"])
            for document in documents:
                # A policy that depends on a condition (Fn::If): every branch is checked.
                branches = document["Fn::If"][1:] if "Fn::If" in document else [document]
                for branch in branches:
                    for statement in branch["Statement"]:
                        yield path, logical_id, statement


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_no_allow_statement_grants_every_action(rendered):
    for path, logical_id, statement in _statements(rendered):
        if statement["Effect"] != "Allow":
            continue
        assert "NotAction" not in statement and "NotResource" not in statement, (path, logical_id)
        for action in _as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{path} {logical_id}: {action}"


def test_wildcard_resources_only_for_actions_that_need_them(rendered):
    used = set()
    for path, logical_id, statement in _statements(rendered):
        if statement["Effect"] != "Allow" or "*" not in _as_list(statement["Resource"]):
            continue
        assert _as_list(statement["Resource"]) == ["*"], "mix '*' with nothing else"
        condition_keys = {key for block in statement.get("Condition", {}).values() for key in block}
        for action in _as_list(statement["Action"]):
            if action in CONDITION_SCOPED_WILDCARD_ACTIONS:
                key = CONDITION_SCOPED_WILDCARD_ACTIONS[action][0]
                assert condition_keys == {key}, f"{path} {logical_id}: {action} on '*' must be scoped by {key} alone"
            else:
                assert action in WILDCARD_RESOURCE_ACTIONS, f"{path} {logical_id}: {action} on Resource '*' is not justified"
            used.add(action)
    justified = set(WILDCARD_RESOURCE_ACTIONS) | set(CONDITION_SCOPED_WILDCARD_ACTIONS)
    assert used == justified, f"justified but unused, remove: {justified - used}"


def test_resource_arns_are_scoped(rendered):
    """No statement names a whole service (e.g. arn:aws:s3:::*); project resources are prefixed."""
    for path, logical_id, statement in _statements(rendered):
        if statement["Effect"] != "Allow":
            continue
        for resource in _as_list(statement["Resource"]):
            if resource == "*":
                continue
            if isinstance(resource, dict) and "Fn::GetAtt" in resource:
                continue  # the template's own resource
            pattern = resource["Fn::Sub"] if isinstance(resource, dict) else resource
            pattern = pattern[0] if isinstance(pattern, list) else pattern  # Fn::Sub [text, variables]
            # AWS publishes its images from an account of its own per region: pulled by repository name, any account.
            pattern = pattern.replace(":*:*:repository/", ":*:aws-image-accounts:repository/")
            tail = re.split(r"\$\{AWS::AccountId\}:|:::|\*:", pattern, maxsplit=1)[-1]
            assert tail not in ("*", "/*", "") and not tail.startswith("*"), f"{path} {logical_id}: {pattern}"


def test_pass_role_is_limited_to_one_role_and_its_service(rendered):
    found = 0
    for path, logical_id, statement in _statements(rendered):
        if "iam:PassRole" not in _as_list(statement["Action"]):
            continue
        found += 1
        assert _as_list(statement["Action"]) == ["iam:PassRole"]
        assert len(_as_list(statement["Resource"])) == 1
        assert re.fullmatch(r"[a-z-]+\.amazonaws\.com", statement["Condition"]["StringEquals"]["iam:PassedToService"])
    assert found >= 4


# The one role two services assume: EventBridge rules and EventBridge Scheduler both start pipelines with it.
TWO_SERVICES = {"EventsRole": ["events.amazonaws.com", "scheduler.amazonaws.com"]}


def test_each_role_trusts_exactly_its_services_and_only_the_s3_launch_role_the_studio_roles(rendered, config):
    roles = {k: r for k, r in rendered["roles.json"]["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert len(roles) == len(ROLE_FIELDS)
    for logical_id, role in roles.items():
        service, *others = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert service["Action"] == ["sts:AssumeRole"]
        assert list(service["Principal"]) == ["Service"], logical_id
        assert len(service["Principal"]["Service"]) == 1 or service["Principal"]["Service"] == TWO_SERVICES[logical_id]
        if logical_id != "S3LaunchRole":
            assert others == [], logical_id
            continue
        # As AWS's S3-route sample launch role: the Studio execution roles may assume it too, here
        # only those the configuration names (by ARN pattern, as a trust policy cannot name roles by wildcard).
        (studio,) = others
        assert studio["Principal"] == {"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]}
        assert studio["Condition"] == {"ArnLike": {"aws:PrincipalArn": [
            {"Fn::Sub": p.in_account()} for p in config.portfolio.principals]}}


def test_products_create_no_iam_and_use_only_roles_the_roles_stack_creates(rendered, config):
    """...or, for a stage in another account, the roles the target-account stack creates there. The one
    exceptions: an image-build product's build role and build-train-deploy-github's workflow roles (and the account's
    GitHub OIDC provider), each role bounded by the roles stack's boundary for it."""
    role_names = {r["Properties"]["RoleName"] for name in ("roles.json", "target-account.json")
                  for r in rendered[name]["Resources"].values() if r["Type"] == "AWS::IAM::Role"}
    boundary = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy"
                           f"{config.roles.path}{config.roles.image_build_boundary}"}
    github_boundary = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy"
                                  f"{config.roles.path}{config.roles.github_workflow_boundary}"}
    for path, template in rendered.items():
        if not path.startswith("templates/"):
            continue
        created = {k: r for k, r in template["Resources"].items() if r["Type"].startswith("AWS::IAM::")}
        if path.startswith("templates/image-build"):
            (role,) = created.values()
            assert role["Type"] == "AWS::IAM::Role" and role["Properties"]["PermissionsBoundary"] == boundary
            assert role["Properties"]["RoleName"] == {"Fn::Sub": "sagemaker-image-build-${SageMakerProjectId}"}
        elif path == "templates/build-train-deploy-github.json":
            roles = [r for r in created.values() if r["Type"] == "AWS::IAM::Role"]
            assert {r["Properties"]["RoleName"]["Fn::Sub"] for r in roles} == {
                f"sagemaker-github-{kind}-${{SageMakerProjectId}}" for kind in ("build", "staging", "prod")}
            assert all(r["Properties"]["PermissionsBoundary"] == github_boundary for r in roles)
            assert [r["Type"] for r in created.values() if r not in roles] == ["AWS::IAM::OIDCProvider"]
        else:
            assert not created, path
        text = str(template)
        for own in ("sagemaker-image-build-${SageMakerProjectId}", "sagemaker-github-build-${SageMakerProjectId}",
                    "sagemaker-github-staging-${SageMakerProjectId}", "sagemaker-github-prod-${SageMakerProjectId}"):
            text = text.replace(own, "")
        referenced = set(re.findall(r"role" + re.escape(config.roles.path) + r"([\w+=,.@-]+)", text))
        assert referenced and referenced <= role_names, referenced - role_names


def test_events_role_can_only_start_project_pipelines(rendered):
    resource = rendered["roles.json"]["Resources"]["EventsRole"]
    codepipelines, batch_pipelines = resource["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert codepipelines["Action"] == ["codepipeline:StartPipelineExecution"]
    assert [r["Fn::Sub"].rsplit(":", 1)[-1] for r in codepipelines["Resource"]] == ["sagemaker-*"]
    assert batch_pipelines["Action"] == ["sagemaker:StartPipelineExecution"]
    assert [r["Fn::Sub"].rsplit(":", 1)[-1] for r in batch_pipelines["Resource"]] == [
        "pipeline/sagemaker-*-batch", "pipeline/sagemaker-*-monitor"]


def _role_statements(rendered, logical_id):
    return rendered["roles.json"]["Resources"][logical_id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def _allowed(statements, action, resource_suffix):
    """Statements allowing ``action`` on a resource pattern ending in ``resource_suffix``."""
    return [
        s for s in statements
        if s["Effect"] == "Allow" and action in _as_list(s["Action"])
        and any(str(r.get("Fn::Sub", r) if isinstance(r, dict) else r).endswith(resource_suffix) for r in s["Resource"])
    ]


def test_connections_are_usable_only_when_an_admin_tagged_them_for_sagemaker(rendered):
    for role in ("CodebuildRole", "CodepipelineRole"):
        (statement,) = [s for s in _role_statements(rendered, role) if "codeconnections:UseConnection" in s["Action"]]
        assert statement["Action"] == ["codeconnections:UseConnection", "codestar-connections:UseConnection"]
        assert statement["Condition"] == {"StringEqualsIgnoreCase": {"aws:ResourceTag/sagemaker": "true"}}


def test_the_launch_role_can_create_and_invoke_only_project_functions(rendered):
    statements = _role_statements(rendered, "LaunchRole")
    for action in ("lambda:CreateFunction", "lambda:InvokeFunction", "lambda:DeleteFunction"):
        (statement,) = _allowed(statements, action, ":function:sagemaker-*")
        assert len(statement["Resource"]) == 1
    (pass_function_role,) = [
        s for s in statements
        if s["Action"] == "iam:PassRole" or s["Action"] == ["iam:PassRole"]
        if "LambdaRole" in str(s["Resource"])
    ]
    assert pass_function_role["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}


def test_roles_read_the_asset_bucket_of_every_region_they_serve(rendered, config):
    """IAM is global: the roles stack, deployed in one region, must not name that region's bucket only."""
    s3_patterns = [
        resource["Fn::Sub"]
        for _, _, statement in _statements({"roles.json": rendered["roles.json"]})
        for resource in _as_list(statement["Resource"])
        if isinstance(resource, dict) and ":s3:::" in resource.get("Fn::Sub", "")
    ]
    asset_patterns = [p for p in s3_patterns if "sagemaker-catalog" in p]
    assert asset_patterns and not [p for p in asset_patterns if "${AWS::Region}" in p]
    bucket = config.asset_bucket.replace("${AWS::AccountId}", "123456789012")
    for region in ("us-east-1", "eu-west-1"):
        name = bucket.replace("${AWS::Region}", region)
        for pattern in asset_patterns:
            path = "studio-templates/deploy.yaml" if "/studio-templates/" in pattern else "seedcode/model-build/0123.zip"
            key = f"arn:aws:s3:::{name}" + ("" if pattern.endswith("-*") else f"/{path}")
            regex = re.escape(pattern.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", "123456789012"))
            assert re.fullmatch(regex.replace(r"\*", ".*"), key), (pattern, key)
