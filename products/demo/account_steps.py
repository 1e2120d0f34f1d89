"""The accounts scenario's own steps: what its stage accounts hold, read there as an admin of each account would
(its OrganizationAccountAccessRole), after the deploy pipeline has deployed each stage through its deploy role,
and after the project's deletion has removed them."""

from products.demo.context import Demo
from products.demo.steps import ACCOUNT_PARAMETERS

STAGES = {"StagingAccountId": ("staging", "DeployStaging"), "ProdAccountId": ("prod", "DeployProd")}


def _stage_stacks(demo: Demo):
    """(stage, account, stack name, an admin session of that account) for each stage in an account of its own."""
    pipeline = demo.props["ModelDeployPipeline"]
    for parameter, account in ACCOUNT_PARAMETERS[demo.scenario].items():
        stage, pipeline_stage = STAGES[parameter]
        (action,) = next(s for s in pipeline["Stages"] if s["Name"] == pipeline_stage)["Actions"]
        admin = demo.session_as(f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", "check")
        yield stage, account, action["Configuration"]["StackName"], admin


def stages_in_their_accounts(demo: Demo) -> None:
    """Each stage's stack, created in its account by the deploy pipeline's CloudFormation action as the deploy role,
    runs its model as that account's execution role."""
    for stage, account, stack_name, admin in _stage_stacks(demo):
        stack = admin.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
        parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
        role = parameters["ModelExecutionRoleArn"]
        if stack["StackStatus"] != "CREATE_COMPLETE" or role.split(":")[4] != account:
            raise RuntimeError(f"{stage}: stack {stack_name} in account {account} is {stack['StackStatus']}, "
                               f"its model runs as {role}")
        demo.say(f"    account {account}: stack {stack_name} {stack['StackStatus']}, with stack role "
                 f"{stack.get('RoleARN', 'none').rsplit('/', 1)[-1]}")
        demo.say(f"    {stage} runs its model as {role}")


def stages_deleted(demo: Demo) -> None:
    """The project's deletion asked its cleanup function, which deleted each stage's stack in its account through
    that account's deploy role: no stack and no endpoint is left there."""
    for _stage, account, stack_name, admin in _stage_stacks(demo):
        live = [s for s in admin.client("cloudformation").describe_stacks()["Stacks"]
                if s["StackName"] == stack_name and s["StackStatus"] != "DELETE_COMPLETE"]
        endpoints = [e["EndpointName"] for e in admin.client("sagemaker").list_endpoints()["Endpoints"]]
        if live or endpoints:
            raise RuntimeError(f"account {account}: after the project's deletion, stacks {live}, endpoints {endpoints}")
        demo.say(f"    account {account}: {stack_name} DELETE_COMPLETE, no endpoint left")
