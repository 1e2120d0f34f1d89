"""The endpoints scenario as people live it: each step is what a person does, through AWS's APIs, and the local AWS
does the rest (its CloudFormation creates the project, its EventBridge rules start the pipelines, CodePipeline
runs them, SageMaker sends its events). A step then watches what AWS does and says what ran, action by action.

What a person does here: the admin publishes; a data scientist creates a project on each of Studio's routes
and pushes a commit (CodeCommit's CreateCommit, what ``git push`` amounts to); a reviewer approves the model
package and the prod gate; the data scientist asks the endpoints and deletes the projects. Each of those calls is
made as the person's role (people.py); watching is done with the run's own credentials, as an admin watches.
The same steps run against a sandbox account (acceptance.py), with AWS's waits.
"""

import json
import time

import boto3

from products.analysis.resolve import resolve
from products.catalog.portfolio import product_id_output
from products.catalog.roles import STUDIO_USER_POLICY
from products.demo.context import Demo
from products.demo.people import create_person_role, session_as_person
from products.demo.findings import every, iam_checks, registered_mse, sagemaker_missing, test_rows
from products.demo.steps import ACCOUNT_PARAMETERS, APPROVAL_STARTS
from products.demo import watch
from products.demo.watch import PipelineFailed, execution_ids, follow
from products.publishing.projects import create_project_request, validated

S3_ROUTE_SUFFIX, S3_ROUTE_PRODUCT = "-s3", "deploy"


def person_session(demo: Demo) -> boto3.Session:
    """The person's session (people.py), their role created on first use."""
    if "person" not in demo.found:
        roles = demo.found["config"].roles
        partition = demo.person_role.split(":")[1]
        create_person_role(demo.clients["iam"], demo.person_role,
                           f"arn:{partition}:iam::{demo.account}:policy{roles.path}{STUDIO_USER_POLICY}")
        if demo.waits.settle:
            demo.say(f"    created {demo.person_role}; waiting {demo.waits.settle:.0f}s for IAM to apply its policies")
            time.sleep(demo.waits.settle)
        demo.found["person"] = session_as_person(demo.clients["sts"], demo.person_role, demo.region,
                                                 pause=demo.waits.poll)
    return demo.found["person"]


def _product_id(demo: Demo, product: str) -> str:
    """The product's id, as Studio lists it (from the portfolio stack's outputs here)."""
    stack = demo.clients["cloudformation"].describe_stacks(StackName=demo.found["config"].publish.portfolio_stack)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
    return outputs[product_id_output(product)]


def _create(demo: Demo, name: str, route: str, product: str, parameters: dict) -> dict:
    """CreateProject as Studio sends it on ``route``, as the person; DescribeProject's answer once created."""
    sagemaker = person_session(demo).client("sagemaker")
    started = time.perf_counter()
    # Registered before the request: whatever happens next, the run's clean-up knows what to look for.
    record = demo.found.setdefault("projects", {})[name] = {"product": product, "parameters": parameters, "id": None,
                                                            "deleted": False}
    if route == "servicecatalog":
        created = sagemaker.create_project(ProjectName=name, ServiceCatalogProvisioningDetails={
            "ProductId": _product_id(demo, product),
            "ProvisioningParameters": [{"Key": k, "Value": v} for k, v in parameters.items()]})
    else:
        template = demo.template if product == demo.product else json.loads(demo.catalog.product_templates[product].data)
        created = sagemaker.create_project(**validated(demo.clients["sagemaker"], create_project_request(
            demo.found["config"], product=product, template=template, project_name=name,
            parameters=parameters, bucket=demo.found["bucket"], region=demo.region, account=demo.account,
            partition=demo.person_role.split(":")[1])))
    record["id"] = created["ProjectId"]
    project = _created(sagemaker, name, demo.waits)
    if project["ProjectStatus"] != "CreateCompleted":
        raise RuntimeError(f"project {name} ({route}): {project['ProjectStatus']}: {_failure(demo, project)}")
    stack = _project_stack(demo, project)
    resources = demo.clients["cloudformation"].list_stack_resources(StackName=stack)["StackResourceSummaries"]
    demo.say(f"    {route} route: {product} project {name} ({project['ProjectId']}) CreateCompleted in "
             f"{time.perf_counter() - started:.1f}s; stack {stack.split('/')[1]}: {len(resources)} resources of "
             f"{len({r['ResourceType'] for r in resources})} types, created by CloudFormation as "
             + ("the launch constraint's role" if route == "servicecatalog" else "the request's RoleARN"))
    return project


def _created(sagemaker, name: str, waits) -> dict:
    """DescribeProject's answer once the creation has ended (AWS creates a project's stack in minutes)."""
    give_up = time.monotonic() + waits.hang
    while True:
        project = sagemaker.describe_project(ProjectName=name)
        if project["ProjectStatus"] not in ("Pending", "CreateInProgress") or time.monotonic() >= give_up:
            return project
        time.sleep(waits.poll)


def _status(sagemaker, name: str) -> str | None:
    """The project's status; None once DescribeProject no longer finds it."""
    try:
        return sagemaker.describe_project(ProjectName=name)["ProjectStatus"]
    except sagemaker.exceptions.ClientError as error:
        if sagemaker_missing(error):
            return None
        raise


def _delete(sagemaker, name: str, waits) -> bool:
    """The project deleted as Studio deletes it, once its creation has ended (AWS refuses to delete a project still
    being created); waits until it is gone, raising if the deletion failed. False if there was no such project."""
    if _status(sagemaker, name) is None:
        return False
    _created(sagemaker, name, waits)
    sagemaker.delete_project(ProjectName=name)
    give_up = time.monotonic() + waits.hang
    while time.monotonic() < give_up:
        status = _status(sagemaker, name)
        if status in (None, "DeleteCompleted"):
            return True
        if status == "DeleteFailed":
            raise RuntimeError(f"deleting project {name}: DeleteFailed")
        time.sleep(waits.poll)
    raise RuntimeError(f"project {name} still not deleted after {waits.hang:.0f}s")


def _record(demo: Demo, project: dict) -> dict | None:
    """The Service Catalog record of the project's launch (DescribeRecord's answer), or None on the S3 route."""
    provisioned = project.get("ServiceCatalogProvisionedProductDetails", {}).get("ProvisionedProductId")
    if not provisioned:
        return None
    servicecatalog = demo.clients["servicecatalog"]
    detail = servicecatalog.describe_provisioned_product(Id=provisioned)["ProvisionedProductDetail"]
    return servicecatalog.describe_record(Id=detail["LastRecordId"])


def _failure(demo: Demo, project: dict) -> str:
    """Why the project's creation failed: Service Catalog's record errors, or (S3 route) the project's status."""
    record = _record(demo, project)
    if record is None:
        return project.get("ProjectStatus", "")
    errors = record["RecordDetail"].get("RecordErrors", [])
    return "; ".join(e.get("Description", "") for e in errors) or "no reason given"


def _project_stack(demo: Demo, project: dict) -> str:
    """The project's stack id: Service Catalog's record output, or the stack the S3 route created."""
    record = _record(demo, project)
    if record is not None:
        return {o["OutputKey"]: o["OutputValue"] for o in record["RecordOutputs"]}["CloudformationStackARN"]
    tag = {"Key": "sagemaker:project-id", "Value": project["ProjectId"]}
    for stack in every(demo.clients["cloudformation"], "describe_stacks", "Stacks"):
        if tag in stack.get("Tags", []) and stack["StackStatus"] != "DELETE_COMPLETE":
            return stack["StackId"]
    raise RuntimeError(f"project {project['ProjectName']}: no stack tagged with its id {project['ProjectId']}")


def create_projects(demo: Demo) -> None:
    """A project on each route. The Service Catalog one, of the scenario's product, is the project the next steps
    work with. The S3 route's is a deploy-only project (``deploy``) waiting for a model group of its own: created and
    deleted to show the route, it runs no model build of its own. Creating a pipeline starts it ("Pipeline
    creation" trigger): the model build runs, the others fail for want of an approved model, all as in AWS."""
    parameters = ACCOUNT_PARAMETERS.get(demo.scenario, {})
    project = _create(demo, demo.result.project_name, "servicecatalog", demo.product, parameters)
    demo.result.project_id = project["ProjectId"]
    demo.resources = resolve(demo.template, {"SageMakerProjectName": demo.result.project_name,
                                             "SageMakerProjectId": project["ProjectId"], **parameters}).resources()
    demo.__dict__.pop("props", None)  # resolved again, for the project's real id
    s3_name = demo.result.project_name + S3_ROUTE_SUFFIX
    demo.found["s3_project"] = _create(demo, s3_name, "s3", S3_ROUTE_PRODUCT,
                                       {"SourceModelPackageGroupName": f"{s3_name}-models"})
    codepipeline = demo.clients["codepipeline"]
    for logical_id in _pipelines(demo):
        name = demo.props[logical_id]["Name"]
        first = watch.started_execution(codepipeline, name, set(), demo.waits.start, demo.waits.poll)
        if first is None:
            raise RuntimeError(f"creating {name} did not start it within {demo.waits.start:.0f}s, as AWS does")
        demo.found.setdefault("creation_runs", {})[logical_id] = first["pipelineExecutionId"]
        demo.say(f"    {name}: started by its creation ({first['trigger']['triggerType']}), as in AWS")


def _pipelines(demo: Demo) -> list[str]:
    """The project's CodePipelines, by logical id."""
    return [logical_id for logical_id, resource in demo.resources.items()
            if resource["Type"] == "AWS::CodePipeline::Pipeline"]


def creation_runs(demo: Demo) -> None:
    """How the runs the projects' creation started ended: the model build registered a model; the others (deploy,
    batch, monitor) failed for want of an approved or deployed model, as in AWS until one is."""
    codepipeline = demo.clients["codepipeline"]
    for logical_id, execution_id in demo.found["creation_runs"].items():
        name = demo.props[logical_id]["Name"]
        try:
            status = follow(codepipeline, name, execution_id, lambda line: None, waits=demo.waits)
        except PipelineFailed as failed:
            if logical_id == "ModelBuildPipeline":
                raise
            status = f"Failed, as in AWS until a model is approved or deployed (...{str(failed)[-160:]})"
        demo.say(f"    {name}, the run its creation started: {status}")


def push(demo: Demo) -> None:
    """A data scientist's commit to main of the model-build repository; its push rule starts the model build.
    Whether the rule matched the push (its MatchedEvents metric) only explains a start that did not come."""
    codecommit, codepipeline = person_session(demo).client("codecommit"), demo.clients["codepipeline"]
    repository, pipeline = (demo.props["ModelBuildRepository"]["RepositoryName"],
                            demo.props["ModelBuildPipeline"]["Name"])
    before = execution_ids(codepipeline, pipeline)
    head = codecommit.get_branch(repositoryName=repository, branchName="main")["branch"]["commitId"]
    commit = codecommit.create_commit(
        repositoryName=repository, branchName="main", parentCommitId=head, authorName="data scientist",
        commitMessage="Note the retraining", putFiles=[{"filePath": "RETRAINED.md", "fileContent": b"Retrained.\n"}])
    demo.say(f"    pushed {commit['commitId'][:12]} to main of {repository} (git push is CodeCommit's CreateCommit "
             "here, as the person)")
    started = watch.started_execution(codepipeline, pipeline, before, demo.waits.start, demo.waits.poll)
    if started is None:
        rule = demo.props["ModelBuildPushRule"]["Name"]
        matched = watch.matched_events(demo.clients["cloudwatch"], rule)
        raise RuntimeError(f"a push to main of {repository} did not start {pipeline} within {demo.waits.start:.0f}s; "
                           f"its rule {rule} matched {matched} event(s)" + demo.delivery_failures())
    demo.found["build_execution"] = started["pipelineExecutionId"]
    demo.say(f"    {pipeline}: started by {started['trigger']['triggerType']} "
             f"({started['trigger'].get('triggerDetail', '').rsplit('/', 1)[-1]})")


def model_build(demo: Demo) -> None:
    """The model-build pipeline runs: its CodeBuild action runs the buildspec, which runs the SageMaker pipeline;
    a model package is registered PendingManualApproval."""
    pipeline = demo.props["ModelBuildPipeline"]["Name"]
    demo.follow(pipeline, demo.found["build_execution"])
    creation_runs(demo)
    group = demo.props["ModelPackageGroup"]["ModelPackageGroupName"]
    packages = demo.clients["sagemaker"].list_model_packages(ModelPackageGroupName=group, SortBy="CreationTime",
                                                             SortOrder="Descending")["ModelPackageSummaryList"]
    pending = [p for p in packages if p["ModelApprovalStatus"] == "PendingManualApproval"]
    if not pending:
        raise RuntimeError("the model-build run registered no PendingManualApproval model package")
    demo.found["package"] = pending[0]
    demo.result.mse = registered_mse(demo.clients, pending[0]["ModelPackageArn"])
    demo.say(f"    {len(packages)} packages in {group}; the newest {pending[0]['ModelPackageArn']} "
             f"PendingManualApproval, test MSE {demo.result.mse:.4f}")


def approve_model(demo: Demo) -> None:
    """A reviewer approves the newest package; SageMaker's event starts the pipeline of the approved model (the
    deploy pipeline, or the batch one)."""
    codepipeline, pipeline = demo.clients["codepipeline"], demo.props[APPROVAL_STARTS[demo.scenario]]["Name"]
    before = execution_ids(codepipeline, pipeline)
    arn = demo.found["package"]["ModelPackageArn"]
    person_session(demo).client("sagemaker").update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    demo.say(f"    approved {arn} (the person approves, in place of a reviewer)")
    started = watch.started_execution(codepipeline, pipeline, before, demo.waits.start, demo.waits.poll)
    if started is None:
        raise RuntimeError(f"approving {arn} did not start {pipeline} within {demo.waits.start:.0f}s"
                           + demo.delivery_failures())
    demo.found["approved_execution"] = started["pipelineExecutionId"]
    demo.say(f"    {pipeline}: started by {started['trigger']['triggerType']}")


def staging(demo: Demo) -> None:
    """The deploy pipeline builds the stage configurations, deploys staging, tests it, and waits at the gate."""
    pipeline = demo.props["ModelDeployPipeline"]["Name"]
    demo.say("    stand-in: the endpoint's container; the local AWS answers InvokeEndpoint with the deployed model's "
             "predictions, computed in the local runtime of its image")
    demo.found["deploy_shown"] = set()
    demo.found["gate"] = demo.follow(pipeline, demo.found["approved_execution"], until_gate=True,
                                     shown=demo.found["deploy_shown"])


def endpoints_answer(demo: Demo) -> None:
    """The person asks each stage's endpoint for predictions of rows of the model's test split."""
    runtime = person_session(demo).client("sagemaker-runtime")
    rows = [line.split(",", 1)[1] for line in test_rows(demo.clients["s3"], demo.props)[:3]]  # the target first
    for stage in demo.result.summary["stacks"]:
        answer = runtime.invoke_endpoint(EndpointName=stage["endpoint"], ContentType="text/csv",
                                         Body="\n".join(rows).encode())["Body"].read().decode()
        predictions = [float(value) for value in answer.replace("\n", ",").split(",") if value.strip()]
        if len(predictions) != len(rows):
            raise RuntimeError(f"{stage['endpoint']} answered {len(predictions)} predictions for {len(rows)} rows: "
                               f"{answer[:200]!r}")
        demo.say(f"    {stage['stage']} endpoint {stage['endpoint']} answers: rings "
                 + ", ".join(f"{p:.1f}" for p in predictions) + f" for {len(rows)} test rows")


def approve_prod_then_summarize(demo: Demo) -> None:
    """Prod deployed (``approve_prod``), then what the project has."""
    from products.demo.steps import finish

    approve_prod(demo)
    finish(demo)


def approve_prod(demo: Demo) -> None:
    """A reviewer approves the gate; prod is deployed."""
    codepipeline, pipeline, gate = person_session(demo).client("codepipeline"), demo.props["ModelDeployPipeline"]["Name"], demo.found["gate"]
    (stage,) = [s for s in codepipeline.get_pipeline_state(name=pipeline)["stageStates"] if s["stageName"] == gate]
    (action,) = [a for a in stage["actionStates"] if a.get("latestExecution", {}).get("token")]
    codepipeline.put_approval_result(pipelineName=pipeline, stageName=gate, actionName=action["actionName"],
                                     token=action["latestExecution"]["token"],
                                     result={"status": "Approved", "summary": "staging tested"})
    demo.say(f"    {gate}: approved (the person approves, in place of a reviewer)")
    demo.follow(pipeline, demo.found["approved_execution"], shown=demo.found["deploy_shown"])


def delete_projects(demo: Demo) -> None:
    """Both projects deleted as Studio deletes them; their stacks go, the stage stacks with them (the cleanup
    function), and nothing that bills by the hour is left."""
    delete_created_projects(demo)
    demo.result.iam_checks = iam_checks(demo.work / "iam-checks.jsonl")  # the deletion's calls too
    left = billing_left(demo)
    if any(left.values()):
        raise RuntimeError(f"deleting the projects left {left}")
    demo.say("    left billing by the hour: no endpoint, stack, pipeline, build project, function or schedule of "
             "either project")
    demo.say("    kept, as the templates say (DeletionPolicy Retain): the projects' buckets and the model package group")


def delete_created_projects(demo: Demo) -> None:
    """Each project the run asked for and has not deleted, deleted as Studio deletes it (one never created, or
    already gone, is passed over)."""
    projects = {name: p for name, p in demo.found.get("projects", {}).items() if not p["deleted"]}
    if not projects:
        return
    sagemaker = person_session(demo).client("sagemaker")
    for name, project in projects.items():
        started = time.perf_counter()
        if _delete(sagemaker, name, demo.waits):
            demo.say(f"    deleted project {name} in {time.perf_counter() - started:.1f}s")
        project["deleted"] = True


def billing_left(demo: Demo) -> dict[str, list[str]]:
    """What either project still has that bills or runs: endpoints, stacks, pipelines, builds, functions, schedules."""
    ids = (demo.result.project_id, demo.found["s3_project"]["ProjectId"])
    clients, name = demo.clients, demo.result.project_name
    named = lambda names: [n for n in names if any(i in n for i in ids)]  # noqa: E731
    return {
        # The stage endpoints are named PROJECT-STAGE, without the id.
        "endpoints": [e["EndpointName"] for e in every(clients["sagemaker"], "list_endpoints", "Endpoints",
                                                       NameContains=name) if e["EndpointName"].startswith(name + "-")],
        "stacks": [s["StackName"] for s in every(clients["cloudformation"], "describe_stacks", "Stacks")
                   if any(t["Key"] == "sagemaker:project-id" and t["Value"] in ids for t in s.get("Tags", []))
                   and s["StackStatus"] != "DELETE_COMPLETE"],
        "pipelines": named(p["name"] for p in every(clients["codepipeline"], "list_pipelines", "pipelines")),
        "build projects": named(every(clients["codebuild"], "list_projects", "projects")),
        "functions": named(f["FunctionName"] for f in every(clients["lambda"], "list_functions", "Functions")),
        "schedules": named(s["Name"] for s in every(clients["scheduler"], "list_schedules", "Schedules")),
    }
