"""The wires between templates, buildspecs, seed zips and the portfolio hold.

A variable renamed in a template but not in a buildspec, an exported file the deploy
action does not find, a seed zip without its buildspec: each fails here, not in a
user's first pipeline run.
"""

import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from products import PRODUCTS
from products.blocks import build_contract as contract
from products.local_aws.codebuild import project_environment, referenced_variables
from products.analysis.resolve import resolve
from tests.conftest import PRODUCT_TEMPLATES, SAMPLE_PROJECT, sample_parameters, seed_script

BUILDSPECS = Path(__file__).resolve().parents[2] / "buildspecs"
# CodeBuild User Guide, "Environment variables in build environments".
CODEBUILD_PROVIDED = {"AWS_REGION", "AWS_DEFAULT_REGION", "CODEBUILD_SRC_DIR", "CODEBUILD_BUILD_ID",
                      "CODEBUILD_BUILD_NUMBER", "CODEBUILD_RESOLVED_SOURCE_VERSION"}


@pytest.fixture(scope="module")
def resources(product_template):
    return resolve(product_template, SAMPLE_PROJECT).resources()


def _projects_by_buildspec(resources):
    return {
        r["Properties"]["Source"]["BuildSpec"]: (k, r["Properties"])
        for k, r in resources.items()
        if r["Type"] == "AWS::CodeBuild::Project"
    }


def _actions(resources):
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::CodePipeline::Pipeline":
            for stage in resource["Properties"]["Stages"]:
                for action in stage["Actions"]:
                    yield logical_id, stage["Name"], action


def _placements():
    return [(repo, source, target) for repo in contract.SEED_REPOS.values() for source, target in repo.buildspecs.items()]


def test_every_buildspec_is_placed_once_and_every_file_in_buildspecs_is_used():
    sources = [source for _, source, _ in _placements()] + [contract.SEED_CHECKIN_BUILDSPEC]  # inlined
    assert sorted(sources) == sorted(path.name for path in BUILDSPECS.glob("*.yml"))
    assert len(set(sources)) == len(sources)


def _product_running(rendered, repo, buildspec: str) -> dict:
    """The resolved resources of the first product of seed ``repo`` with a CodeBuild project running ``buildspec``."""
    for path in PRODUCT_TEMPLATES:
        if repo not in PRODUCTS[path.removeprefix("templates/").removesuffix(".json")].seed_repos:
            continue
        resources = resolve(rendered[path], sample_parameters(rendered[path])).resources()
        if buildspec in _projects_by_buildspec(resources):
            return resources
    raise AssertionError(f"no product runs {buildspec}")


@pytest.mark.parametrize("repo, source, target", _placements(), ids=[s for _, s, _ in _placements()])
def test_buildspec_uses_only_variables_its_project_sets(rendered, repo, source, target):
    spec = yaml.safe_load((BUILDSPECS / source).read_text())
    assert spec["version"] == 0.2
    assert str(spec["phases"]["install"]["runtime-versions"]["python"]) == "3.12"
    resources = _product_running(rendered, repo, target)
    logical_id, project = _projects_by_buildspec(resources)[target]
    defined = set(project_environment(project)) | CODEBUILD_PROVIDED
    inputs = [
        artifact["Name"]
        for _, _, action in _actions(resources)
        if action["Configuration"].get("ProjectName") == project["Name"]
        for artifact in action.get("InputArtifacts", [])
    ]
    defined |= {f"CODEBUILD_SRC_DIR_{name}" for name in inputs[1:]}
    used = referenced_variables(spec)
    assert used, source
    assert used <= defined, f"{source} uses {sorted(used - defined)}, which {logical_id} does not set"


def test_deploy_build_exports_what_the_deploy_actions_read(resources):
    _, project = _projects_by_buildspec(resources)[contract.MODEL_DEPLOY.buildspecs["model-deploy.yml"]]
    env = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    spec = yaml.safe_load((BUILDSPECS / "model-deploy.yml").read_text())
    exported = {re.sub(r"\$(\w+)", lambda m: env[m.group(1)], f) for f in spec["artifacts"]["files"]}
    read = set()
    for _, _, action in _actions(resources):
        if action["ActionTypeId"]["Provider"] == "CloudFormation":
            for key in ("TemplatePath", "TemplateConfiguration"):
                artifact, path = action["Configuration"][key].split("::")
                assert artifact == contract.BUILD_ARTIFACT
                read.add(path)
    assert read and read <= exported


def test_deploy_pipeline_promotes_through_staging_test_and_approval(resources):
    stages = resources["ModelDeployPipeline"]["Properties"]["Stages"]
    assert [s["Name"] for s in stages] == ["Source", "Build", "DeployStaging", "TestStaging", "ApproveDeployment", "DeployProd"]
    providers = [s["Actions"][0]["ActionTypeId"]["Provider"] for s in stages]
    assert providers == ["CodeCommit", "CodeBuild", "CloudFormation", "CodeBuild", "Manual", "CloudFormation"]
    project = f"{SAMPLE_PROJECT['SageMakerProjectName']}-{SAMPLE_PROJECT['SageMakerProjectId']}"
    assert stages[2]["Actions"][0]["Configuration"]["StackName"] == f"sagemaker-{project}-deploy-staging"
    assert stages[5]["Actions"][0]["Configuration"]["StackName"] == f"sagemaker-{project}-deploy-prod"
    assert stages[2]["Actions"][0]["Configuration"]["TemplateConfiguration"].endswith(contract.EXPORT_STAGING_CONFIG)
    assert stages[5]["Actions"][0]["Configuration"]["TemplateConfiguration"].endswith(contract.EXPORT_PROD_CONFIG)


def test_pipelines_are_v2_event_driven_and_read_main(resources):
    repos = {k: r["Properties"]["RepositoryName"] for k, r in resources.items() if r["Type"] == "AWS::CodeCommit::Repository"}
    for pipeline, repo in (("ModelBuildPipeline", "ModelBuildRepository"), ("ModelDeployPipeline", "ModelDeployRepository")):
        props = resources[pipeline]["Properties"]
        assert props["PipelineType"] == "V2"
        source = props["Stages"][0]["Actions"][0]["Configuration"]
        assert source == {"RepositoryName": repos[repo], "BranchName": "main", "PollForSourceChanges": False}
        assert props["ArtifactStore"]["Location"] == resources["ArtifactBucket"]["Properties"]["BucketName"]


def test_seed_zips_carry_their_buildspecs_and_the_template_points_at_them(artifacts, resources):
    by_path = {a.path: a for a in artifacts}
    for repo_id, repo in (("ModelBuildRepository", contract.MODEL_BUILD), ("ModelDeployRepository", contract.MODEL_DEPLOY)):
        artifact = by_path[f"seedcode/{repo.name}.zip"]
        names = zipfile.ZipFile(io.BytesIO(artifact.data)).namelist()
        for source, target in repo.buildspecs.items():
            assert target in names
            assert zipfile.ZipFile(io.BytesIO(artifact.data)).read(target) == (BUILDSPECS / source).read_bytes()
        code = resources[repo_id]["Properties"]["Code"]
        assert code["BranchName"] == contract.SEED_BRANCH
        assert code["S3"] == {"Bucket": "sagemaker-catalog-123456789012-us-east-1", "Key": artifact.key}


def test_seed_bucket_parameter_overrides_the_asset_bucket(product_template):
    resources = resolve(product_template, {**SAMPLE_PROJECT, "SeedCodeBucket": "my-seed-bucket"}).resources()
    assert resources["ModelBuildRepository"]["Properties"]["Code"]["S3"]["Bucket"] == "my-seed-bucket"


def test_portfolio_points_at_the_uploaded_product_templates(artifacts, rendered):
    products = {a.product: a for a in artifacts if a.kind == "product-template"}
    resources = resolve(rendered["portfolio.json"]).resources()
    urls = {
        r["Properties"]["ProvisioningArtifactParameters"][0]["Info"]["LoadTemplateFromURL"]: r
        for r in resources.values()
        if r["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"
    }
    assert len(urls) == len(products)
    for name, artifact in products.items():
        url = f"https://sagemaker-catalog-123456789012-us-east-1.s3.us-east-1.amazonaws.com/{artifact.key}"
        assert urls[url]["Properties"]["ProvisioningArtifactParameters"][0]["Name"] == artifact.version


def _seed_module(repo: str, relative: str):
    """Load a seed repo's script by path (seed repos are not installed here)."""
    return seed_script(repo, relative)


@pytest.mark.parametrize(
    "buildspec, script",
    [("model-deploy.yml", "build.py"), ("staging-test.yml", "test/test.py")],
)
def test_buildspec_commands_parse_with_the_scripts_own_arguments(resources, buildspec, script):
    """The flags a buildspec passes are the flags the seed script accepts, values filled in."""
    import shlex

    repo = next(r for r in contract.SEED_REPOS.values() if buildspec in r.buildspecs)
    _, project = _projects_by_buildspec(resources)[repo.buildspecs[buildspec]]
    env = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    env.update(AWS_REGION="us-east-1", CODEBUILD_SRC_DIR_BuildArtifact="/codebuild/output/src1")
    spec = yaml.safe_load((BUILDSPECS / buildspec).read_text())
    (command,) = [c for c in spec["phases"]["build"]["commands"] if f"python {script}" in c]
    words = shlex.split(re.sub(r"\$(\w+)", lambda m: env[m.group(1)], command.replace("\\\n", " ")))
    args = _seed_module(repo.name, script).parse_args(words[2:])
    assert vars(args)  # argparse exits (SystemExit) on an unknown or missing flag
