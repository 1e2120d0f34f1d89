"""The demo's scenarios, each a product and a list of steps: the table ``run_demo`` walks, in order."""

from dataclasses import dataclass

from products.demo import batch_steps, monitor_steps, project_steps, steps


@dataclass(frozen=True)
class Step:
    title: str
    action: object  # (Demo) -> None


@dataclass(frozen=True)
class Scenario:
    product: str
    steps: tuple[Step, ...]


# The scenarios that play the pipelines' parts themselves start with the same five steps, up to the approved
# model package (issue 24, step 6, moves them onto the endpoints scenario's path).
TO_APPROVAL = (
    Step("publish the catalog", steps.publish_catalog),
    Step("create a project", steps.create_project),
    Step("push to the model-build repo", steps.push),
    Step("model build: buildspec and pipeline run", steps.model_build),
    Step("approve the model package", steps.approve),
)

SCENARIOS = {
    # What people do, through AWS's APIs; the local AWS does the rest (project_steps.py).
    "endpoints": Scenario("build-train-deploy", (
        Step("publish the catalog", steps.publish_catalog),
        Step("create a project on each route", project_steps.create_projects),
        Step("push to the model-build repo", project_steps.push),
        Step("model build: the pipeline runs", project_steps.model_build),
        Step("approve the model package", project_steps.approve_model),
        Step("model deploy: staging deployed and tested", project_steps.staging),
        Step("approve prod, summarize", project_steps.approve_prod),
        Step("delete the projects", project_steps.delete_projects),
    )),
    "batch": Scenario("build-train-batch", TO_APPROVAL + (
        Step("batch build: the approved model scores the batch input", batch_steps.batch_build),
        Step("the schedule runs the batch pipeline again, summarize", batch_steps.scheduled_batch),
    )),
    "accounts": Scenario("build-train-deploy", TO_APPROVAL + (
        Step("model deploy: buildspec writes stage configs for the stage accounts' roles", steps.model_deploy),
        Step("deploy staging in its account and test it there", steps.staging),
        Step("approve, deploy prod in its account, summarize", steps.prod_then_finish),
        Step("delete the project: each stage's endpoint stack goes, in its account", steps.delete_project),
    )),
    "monitor": Scenario("build-train-deploy-monitor", TO_APPROVAL + (
        Step("model deploy: buildspec writes stage configs", steps.model_deploy),
        Step("deploy staging and test it", steps.staging),
        Step("approve, deploy prod", steps.prod),
        Step("prod deployed: the monitor build points the drift monitor at prod's model", monitor_steps.monitor_build),
        Step("requests drift: the scheduled monitor fails, drift retrains once per cooldown, summarize",
             monitor_steps.drift_loop),
    )),
}
