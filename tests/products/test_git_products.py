"""build-train-git, deploy-git and build-train-batch-git: the single-repository Git flavours, wired as
build-train-deploy-git is.

Each takes a connection, one repository and its branch; its pipeline checks out through the
connection, starts only on pushes to that branch, and waits for the seed check-in of that
repository. Otherwise each is its CodeCommit flavour: the same stages, rules and outputs.
"""

import pytest

from products.analysis.resolve import resolve
from tests.conftest import CONNECTION, sample_parameters

# Git product -> (its CodeCommit flavour, the half's pipeline, the repository's parameter prefix)
FLAVOURS = {
    "build-train-git": ("build-train", "ModelBuildPipeline", "ModelBuild"),
    "deploy-git": ("deploy", "ModelDeployPipeline", "ModelDeploy"),
    "build-train-batch-git": ("build-train-batch", "ModelBuildPipeline", "ModelBuild"),
}


def _resources(rendered, product, **given):
    template = rendered[f"templates/{product}.json"]
    return resolve(template, {**sample_parameters(template), **given}).resources()


@pytest.mark.parametrize("product", sorted(FLAVOURS))
def test_the_pipeline_checks_out_the_given_repository_and_branch_only(rendered, product):
    _, pipeline, prefix = FLAVOURS[product]
    resources = _resources(rendered, product, **{f"{prefix}CodeRepositoryFullname": "acme/ml/repo",
                                                 f"{prefix}CodeRepositoryBranch": "release"})
    props = resources[pipeline]["Properties"]
    source = props["Stages"][0]["Actions"][0]
    assert props["PipelineType"] == "V2"
    assert source["Configuration"] == {"ConnectionArn": CONNECTION, "FullRepositoryId": "acme/ml/repo",
                                       "BranchName": "release", "OutputArtifactFormat": "CODE_ZIP", "DetectChanges": False}
    assert props["Triggers"] == [{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
        "SourceActionName": source["Name"], "Push": [{"Branches": {"Includes": ["release"]}}]}}]


@pytest.mark.parametrize("product", sorted(FLAVOURS))
def test_the_repository_is_seeded_before_the_pipeline_first_runs(rendered, product):
    _, pipeline, prefix = FLAVOURS[product]
    template = rendered[f"templates/{product}.json"]
    resources = _resources(rendered, product)
    checkin = resources[f"{prefix}SeedCheckin"]["Properties"]
    assert checkin["RepositoryFullName"] == sample_parameters(template)[f"{prefix}CodeRepositoryFullname"]
    assert checkin["SeedCodeKey"] == template["Parameters"][f"{prefix}SeedCodeKey"]["Default"]
    assert f"{prefix}SeedCheckin" in template["Resources"][pipeline]["DependsOn"]
    assert f"{prefix}SeedResult" in template["Outputs"]


@pytest.mark.parametrize("product", sorted(FLAVOURS))
def test_otherwise_it_is_its_codecommit_flavour(rendered, product):
    codecommit, pipeline, _ = FLAVOURS[product]
    git, plain = _resources(rendered, product), _resources(rendered, codecommit)
    assert not [r for r in git.values() if r["Type"].startswith("AWS::CodeCommit")]
    stages = lambda resources: [s["Name"] for s in resources[pipeline]["Properties"]["Stages"]]  # noqa: E731
    assert stages(git) == stages(plain)
    push_rules = {k for k, r in plain.items() if r["Type"] == "AWS::Events::Rule" and "Push" in k}
    assert {k for k, r in git.items() if r["Type"] == "AWS::Events::Rule"} == \
        {k for k, r in plain.items() if r["Type"] == "AWS::Events::Rule"} - push_rules  # pushes come by trigger
    outputs = set(rendered[f"templates/{codecommit}.json"]["Outputs"]) - {k for k in rendered[f"templates/{codecommit}.json"]["Outputs"] if "RepositoryName" in k}
    assert outputs <= set(rendered[f"templates/{product}.json"]["Outputs"])


@pytest.mark.parametrize("product", sorted(FLAVOURS))
def test_studio_asks_only_for_what_has_no_default(rendered, product):
    template = rendered[f"templates/{product}.json"]
    rules = template["Metadata"]["SagemakerTemplateParameterRules"]
    assert set(rules) == {name for name, p in template["Parameters"].items() if "Default" in p}
    _, _, prefix = FLAVOURS[product]
    assert f"{prefix}CodeRepositoryBranch" in rules and "CodeConnectionArn" not in rules


def test_the_batch_pipeline_reads_the_repository_but_only_approvals_and_its_schedule_start_it(rendered):
    """A push starts the model build; the batch pipeline has no trigger of its own (a V2 pipeline without one and
    with DetectChanges off is not started by pushes), and its first run waits for the seed check-in too."""
    template = rendered["templates/build-train-batch-git.json"]
    resources = _resources(rendered, "build-train-batch-git", ModelBuildCodeRepositoryFullname="acme/ml/repo")
    batch = resources["BatchInferencePipeline"]["Properties"]
    assert batch["Stages"][0]["Actions"][0]["Configuration"]["FullRepositoryId"] == "acme/ml/repo"
    assert batch["Stages"][0]["Actions"][0]["Configuration"]["DetectChanges"] is False
    assert "Triggers" not in batch
    assert "ModelBuildSeedCheckin" in template["Resources"]["BatchInferencePipeline"]["DependsOn"]
    rules = {k: r for k, r in resources.items() if r["Type"] == "AWS::Events::Rule"}
    assert set(rules) == {"BatchApprovalRule"}
