"""The demo's scenarios, each a product and a list of steps: the table ``run_demo`` walks, in order."""

from dataclasses import dataclass

from products.demo import account_steps, batch_steps, monitor_steps, project_steps, steps


@dataclass(frozen=True)
class Step:
    title: str
    action: object  # (Demo) -> None


@dataclass(frozen=True)
class Scenario:
    product: str
    steps: tuple[Step, ...]


# What people do, through AWS's APIs, up to the approved model; the local AWS does the rest (project_steps.py).
PEOPLE_TO_APPROVAL = (
    Step("publish the catalog", steps.publish_catalog),
    Step("create a project on each route", project_steps.create_projects),
    Step("push to the model-build repo", project_steps.push),
    Step("model build: the pipeline runs", project_steps.model_build),
    Step("approve the model package", project_steps.approve_model),
)

SCENARIOS = {
    "endpoints": Scenario("build-train-deploy", PEOPLE_TO_APPROVAL + (
        Step("model deploy: staging deployed and tested", project_steps.staging),
        Step("approve prod, summarize", project_steps.approve_prod_then_summarize),
        Step("the endpoints answer", project_steps.endpoints_answer),
        Step("delete the projects", project_steps.delete_projects),
    )),
    "batch": Scenario("build-train-batch", PEOPLE_TO_APPROVAL + (
        Step("batch build: the approved model scores the batch input", batch_steps.batch_build),
        Step("the schedule runs the batch pipeline again, summarize", batch_steps.scheduled_batch),
        Step("delete the projects", project_steps.delete_projects),
    )),
    "accounts": Scenario("build-train-deploy", PEOPLE_TO_APPROVAL + (
        Step("model deploy: staging deployed in its account and tested there", project_steps.staging),
        Step("approve prod, summarize", project_steps.approve_prod_then_summarize),
        Step("each stage's stack in its account", account_steps.stages_in_their_accounts),
        Step("delete the projects", project_steps.delete_projects),
        Step("each stage's stack gone from its account", account_steps.stages_deleted),
    )),
    "monitor": Scenario("build-train-deploy-monitor", PEOPLE_TO_APPROVAL + (
        Step("model deploy: staging deployed and tested", project_steps.staging),
        Step("approve prod", project_steps.approve_prod),
        Step("prod deployed: its rule starts the monitor build, which points the drift monitor at prod's model",
             monitor_steps.monitor_build),
        Step("requests drift: the scheduled monitor fails, the retrain function decides, summarize",
             monitor_steps.drift_loop),
        Step("delete the projects", project_steps.delete_projects),
    )),
}
