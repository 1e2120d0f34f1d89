"""The demo's scenarios, each a product and a list of steps: the table ``run_demo`` walks, in order."""

from dataclasses import dataclass

from products.demo import batch_steps, monitor_steps, steps


@dataclass(frozen=True)
class Step:
    title: str
    action: object  # (Demo) -> None


@dataclass(frozen=True)
class Scenario:
    product: str
    steps: tuple[Step, ...]


# Every scenario starts with the same five steps, up to the approved model package.
TO_APPROVAL = (
    Step("publish the catalog", steps.publish_catalog),
    Step("create a project", steps.create_project),
    Step("push to the model-build repo", steps.push),
    Step("model build: buildspec and pipeline run", steps.model_build),
    Step("approve the model package", steps.approve),
)

SCENARIOS = {
    "endpoints": Scenario("build-train-deploy", TO_APPROVAL + (
        Step("model deploy: buildspec writes stage configs", steps.model_deploy),
        Step("deploy staging and test it", steps.staging),
        Step("approve, deploy prod, summarize", steps.prod_then_finish),
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
