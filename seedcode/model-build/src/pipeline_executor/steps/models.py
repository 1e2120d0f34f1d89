"""RegisterModel and Model steps: the SageMaker request the definition holds, sent as is."""

from pipeline_executor.errors import StepFailed


def _call(context, operation: str, request: dict, step_name: str) -> dict:
    from botocore.exceptions import ClientError

    method = getattr(context.sagemaker_as_pipeline(), {"CreateModelPackage": "create_model_package", "CreateModel": "create_model"}[operation])
    try:
        return method(**context.validated(operation, request, step_name))
    except ClientError as error:
        raise StepFailed(f"{operation}: {error}") from None


def run_register_model(step: dict, arguments: dict, context):
    response = _call(context, "CreateModelPackage", arguments, step["Name"])
    arn = response["ModelPackageArn"]
    context.say(f"    registered {arn} ({arguments.get('ModelApprovalStatus', 'PendingManualApproval')})")
    properties = {**arguments, "ModelPackageArn": arn}
    return properties, {"RegisterModel": {"Arn": arn}}


def run_create_model(step: dict, arguments: dict, context):
    request = {"ModelName": context.job_name(step["Name"]), **arguments}
    arn = _call(context, "CreateModel", request, step["Name"])["ModelArn"]
    return {**request, "ModelArn": arn}, {"Model": {"Arn": arn}}
