"""Drift monitoring that retrains: the prod endpoint's requests against the model's baseline.

- When the deploy pipeline has deployed prod, a build (``sagemaker-<project>-modelmonitor``,
  the model-build repo's monitor buildspec) upserts the monitor SageMaker pipeline
  ``sagemaker-<project>-monitor`` with the registered drift baseline of the model in prod.
- An EventBridge Scheduler schedule runs it on the project's schedule over the requests the
  prod endpoint captured (``s3://<bucket>/datacapture/prod/``).
- A run that finds drift fails at its DriftDetected step. Its status-change event invokes the
  retrain function, which starts the model-build pipeline unless it started within the
  cooldown (``products/functions/retrain_on_drift.py``).

SageMaker Model Monitor is not used: AWS no longer opens it to new customers (SageMaker
developer guide, "Amazon SageMaker Model Monitor availability change"), so the monitor is a
pipeline of the project's own, run by the same executor as the model-build pipeline.
"""

from troposphere import GetAtt, Parameter, Ref, Sub, Template, awslambda, codepipeline as cp, events, s3

from products.blocks import build_contract as contract
from products.blocks.cross_account import TargetAccounts
from products.blocks.events import pipeline_arn
from products.blocks.functions import event_function
from products.blocks.iam import RoleNames
from products.blocks.model_build import sagemaker_pipeline_runner
from products.blocks.model_deploy import stage_stack_name
from products.blocks.naming import project_resource_name, project_tags
from products.blocks.schedules import add_schedule_parameter, pipeline_schedule, project_schedule_group
from products.functions import retrain_on_drift

SCHEDULE_PARAMETER = "MonitorScheduleExpression"
DEFAULT_SCHEDULE = "cron(0 4 * * ? *)"  # daily; the monitor looks at the last 24 hours by default
COOLDOWN_PARAMETER = "RetrainCooldownHours"
DEFAULT_COOLDOWN_HOURS = "24"
MONITOR_TIME_PARAMETER = "MonitorTime"
DRIFT_STEP = "DriftDetected"  # the monitor pipeline's Fail step (seedcode/model-build monitor_pipeline.py)

# checkov's Lambda checks, and why they do not apply to the retrain function.
RETRAIN_FUNCTION_SKIPS = [
    {"id": "CKV_AWS_116", "comment": "A lost drift event is raised again by the next monitor run (the monitor "
                                     "fails on every run until a new model is in prod); a DLQ would hold nothing to act on"},
    {"id": "CKV_AWS_117", "comment": "It calls only AWS APIs and reaches no private resource; "
                                     "a VPC would add NAT or endpoints for nothing"},
    {"id": "CKV_AWS_173", "comment": "Its variables are a pipeline name, a step name and a number of hours: "
                                     "nothing secret for a customer-managed key to protect"},
]


def monitor_pipeline_name() -> Sub:
    """``sagemaker-<name>-<id>-monitor``: the SageMaker pipeline the build upserts and the schedule starts."""
    return project_resource_name("monitor")


def capture_uri(bucket: s3.Bucket) -> Sub:
    """Where the model-deploy seed points prod's data capture (its build.py: s3://<bucket>/datacapture/<stage>)."""
    return Sub(f"s3://${{{bucket.title}}}/{contract.CAPTURE_FOLDER}/prod/")


def add_monitor_parameters(template: Template) -> tuple:
    schedule = add_schedule_parameter(template, SCHEDULE_PARAMETER, DEFAULT_SCHEDULE,
                                      "check the prod endpoint's requests for drift (default: daily at 04:00)")
    template.add_parameter(Parameter(
        COOLDOWN_PARAMETER, Type="Number", Default=DEFAULT_COOLDOWN_HOURS, MinValue=1,
        Description="Hours after a model-build run (for drift or a push) in which drift starts no retraining.",
    ))
    return schedule, Ref(COOLDOWN_PARAMETER)


def drift_rule(monitor_name, function: awslambda.Function) -> events.Rule:
    """A failed run of the project's monitor pipeline (SageMaker ARNs carry the name in lowercase,
    so the ARN is matched ignoring case)."""
    return events.Rule(
        "DriftRule",
        Name=project_resource_name("drift"),
        Description="Retrain when a drift-monitor run fails (the function checks it failed for drift)",
        State="ENABLED",
        EventPattern={
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
            "detail": {
                "currentPipelineExecutionStatus": ["Failed"],
                "pipelineArn": [{"equals-ignore-case": Sub(
                    "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/${Name}", Name=monitor_name)}],
            },
        },
        Targets=[events.Target(Id="RetrainOnDrift", Arn=GetAtt(function, "Arn"))],
        Tags=project_tags(),
    )


def prod_deployed_rule(deploy_pipeline: cp.Pipeline, monitor_runner: cp.Pipeline, role_arn) -> events.Rule:
    """The deploy pipeline succeeded, so prod runs a new model: point the monitor at it."""
    return events.Rule(
        "ProdDeployedRule",
        Name=project_resource_name("prod"),  # rule names end 6 characters after the longest project prefix
        Description="Update the drift monitor when the deploy pipeline has deployed prod",
        State="ENABLED",
        EventPattern={
            "source": ["aws.codepipeline"],
            "detail-type": ["CodePipeline Pipeline Execution State Change"],
            "resources": [pipeline_arn(deploy_pipeline)],
            "detail": {"state": ["SUCCEEDED"]},
        },
        Targets=[events.Target(Id="Pipeline", Arn=pipeline_arn(monitor_runner), RoleArn=role_arn)],
        Tags=project_tags(),
    )


def drift_monitor(template: Template, roles: RoleNames, bucket: s3.Bucket, build_source: cp.Actions,
                  build_pipeline: cp.Pipeline, deploy_pipeline: cp.Pipeline, accounts: TargetAccounts | None = None) -> list:
    """The monitor's runner, schedule and retrain loop for a project that deploys to prod: its resources.

    With prod in another account (``accounts``), the monitor build reads the prod stack there through
    that account's deploy role; the endpoint's captured requests come back to this project's bucket."""
    schedule, cooldown = add_monitor_parameters(template)
    runner = sagemaker_pipeline_runner(
        "DriftMonitor", "modelmonitor", "Points the drift monitor pipeline at the model in prod",
        "UpdateDriftMonitor", contract.MODEL_BUILD.buildspecs["drift-monitor.yml"], monitor_pipeline_name(),
        roles, bucket, build_source,
        environment={contract.ENV_PROD_STACK_NAME: stage_stack_name("prod"), contract.ENV_CAPTURE_URI: capture_uri(bucket),
                     contract.ENV_PROD_ROLE_ARN: accounts.deploy_role_if_elsewhere("prod") if accounts else ""},
    )
    group = project_schedule_group()
    monitor_schedule = pipeline_schedule(
        "MonitorSchedule", group, "monitor", "Checks the prod endpoint's captured requests for drift",
        schedule, monitor_pipeline_name(), MONITOR_TIME_PARAMETER, roles.arn("events"),
    )
    function = event_function(
        "RetrainOnDriftFunction", "drift", "Starts the model-build pipeline when the monitor finds drift, "
        "at most once per cooldown", retrain_on_drift, roles, RETRAIN_FUNCTION_SKIPS,
        environment={"MODEL_BUILD_PIPELINE": Ref(build_pipeline), "DRIFT_STEP": DRIFT_STEP, "COOLDOWN_HOURS": cooldown},
        reserved_concurrency=1,
    )
    rule = drift_rule(monitor_pipeline_name(), function)
    permission = awslambda.Permission(
        "RetrainOnDriftPermission", FunctionName=Ref(function), Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=GetAtt(rule, "Arn"),
    )
    return [
        *runner.resources, prod_deployed_rule(deploy_pipeline, runner.pipeline, roles.arn("events")),
        group, monitor_schedule, function, rule, permission,
    ]
