"""The monitor scenario's steps: prod's requests drift, the scheduled monitor fails, drift retrains once per cooldown."""

from datetime import datetime, timezone

import boto3

from products.demo.batch_steps import scheduled_run
from products.demo.context import ACCOUNT, REGION, Demo
from products.demo.findings import capture_prefix, monitor_variables, prod_endpoint
from products.demo.stand_ins import codepipeline_request, write_drifted_capture
from products.demo.steps import finish
from products.functions import retrain_on_drift
from products.local_aws.codebuild import run_buildspec
from products.local_aws.event_shapes import codepipeline_execution_event, sagemaker_pipeline_execution_event

# Two monitor runs an hour apart: both find drift, only the first may start a model-build run (cooldown).
MONITOR_TIMES = ("2026-11-26T04:00:00Z", "2026-11-26T05:00:00Z")


def monitor_build(demo: Demo) -> None:
    """Prod's deployment succeeded: its rule starts the monitor build, which points the monitor at prod's model."""
    deploy_pipeline = demo.props["ModelDeployPipeline"]["Name"]
    event = codepipeline_execution_event(deploy_pipeline, "SUCCEEDED", region=REGION)
    demo.say(f"    CodePipeline Pipeline Execution State Change: {deploy_pipeline} SUCCEEDED")
    expected = demo.props["DriftMonitorPipeline"]["Name"]
    if demo.started_pipelines(event) != [expected]:
        raise RuntimeError(f"deploying prod did not start exactly {expected}")
    project, source = demo.props["DriftMonitorProject"], demo.found["build_source"]
    demo.say("    CodeBuild (stood in for here): the monitor buildspec as written, in the same environment")
    run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                  extra_env=demo.as_service_role(project), say=demo.say)
    build_pipeline = demo.props["ModelBuildPipeline"]
    boto3.client("codepipeline", region_name=REGION).create_pipeline(pipeline=codepipeline_request(build_pipeline))
    demo.say(f"    {build_pipeline['Name']} is created here, as the template declares it, so that the retrain "
             "function's calls reach it; its repository is not (the demo does not create the project's stack yet), "
             "so a run it starts fails at Source")


def drift_loop(demo: Demo) -> None:
    endpoint = prod_endpoint(demo.clients["cloudformation"], demo.props)
    count = write_drifted_capture(demo.clients["s3"], demo.props, endpoint, MONITOR_TIMES[0])
    demo.say(f"    not emulated: the endpoint's data capture; {count} requests of larger animals are written in "
             f"SageMaker's capture format under {capture_prefix(demo.props)}{endpoint}/")
    decisions = []
    for scheduled_time in MONITOR_TIMES:
        arn, status = scheduled_run(demo, "MonitorSchedule", scheduled_time)
        steps = demo.clients["sagemaker"].list_pipeline_execution_steps(PipelineExecutionArn=arn)[
            "PipelineExecutionSteps"]
        failed = [f"{s['StepName']}: {s.get('FailureReason', '')}" for s in steps if s["StepStatus"] == "Failed"]
        demo.say(f"    monitor run {status}" + (f" at {failed[0]}" if failed else ""))
        decisions.append(retrain(demo, arn, status, scheduled_time))
    if [d["action"] for d in decisions] != ["started", "none"] or not decisions[1]["reason"].startswith("cooldown"):
        raise RuntimeError(f"drift did not start exactly one model-build run: {decisions}")
    finish(demo)


def retrain(demo: Demo, execution_arn: str, status: str, scheduled_time: str) -> dict:
    """The run's status-change event on the bus; the function its rule invokes, as its role."""
    event = sagemaker_pipeline_execution_event(monitor_variables(demo.props)["SAGEMAKER_PIPELINE_NAME"],
                                               execution_arn.rsplit("/", 1)[1], status, region=REGION,
                                               time=scheduled_time)
    event["detail"]["pipelineExecutionArn"] = execution_arn
    function = demo.props["RetrainOnDriftFunction"]
    targets = [d.target_arn for d in demo.found["router"].route(event)]
    if targets != [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function['FunctionName']}"]:
        raise RuntimeError(f"the failed monitor run's event reached {targets}, not the retrain function")
    demo.say("    not emulated: SageMaker's event and Lambda; the documented-shape event went through the rules on the "
             "bus to the function, which runs here as its role")
    session = demo.session_as(function["Role"], "retrain")
    # The function's clock, as in Lambda: the emulator stamps executions with it too, so the cooldown
    # compares two readings of one clock (the scheduled times only name the runs).
    decision = retrain_on_drift.decide(event, session.client("sagemaker"), session.client("codepipeline"),
                                       datetime.now(timezone.utc), function["Environment"]["Variables"])
    demo.say(f"    retrain function: {decision['action']}" + (f" ({decision['reason']})" if decision.get("reason") else
                                                              f" {decision['modelBuildPipeline']}"))
    return decision
