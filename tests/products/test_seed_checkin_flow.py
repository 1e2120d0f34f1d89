"""Project creation's seed check-in, end to end on this machine.

CloudFormation's part is played here: each ``Custom::SeedCheckin`` of the resolved
build-train-deploy-git template becomes a Create (then a Delete) request to the real
function, whose answer goes to a loopback server. The function's CodeBuild calls run
the template's own inlined buildspec locally (tests/local_codebuild.py); git's
``url.<base>.insteadOf`` maps the CodeConnections URLs the function computes onto
local bare repositories, so the URL, branch and seed zip flow through unchanged.
"""

import pytest

from products.functions.seed_checkin import handler
from products.analysis.resolve import resolve
from tests.local_codebuild import LocalCodeBuild, fake_aws_bin
from tests.local_git import bare_repository, git, push_team_commit, refs
from tests.products.test_git_product import CONNECTION, GIT, PATH
from tests.conftest import Answers, Context
from tests.functions.test_seed_checkin_function import _event

ENDPOINT = "https://codeconnections.us-east-1.amazonaws.com/git-http/123456789012/us-east-1/{}/".format(
    CONNECTION.rsplit("/", 1)[1]
)


@pytest.fixture
def world(tmp_path, rendered, artifacts):
    """The resolved template, local remotes behind the connection URL, and a local CodeBuild."""
    resources = resolve(rendered[PATH], GIT).resources()
    s3 = tmp_path / "s3"
    for checkin in ("ModelBuildSeedCheckin", "ModelDeploySeedCheckin"):
        props = resources[checkin]["Properties"]
        seed_name = props["SeedCodeKey"].split("/")[1]
        (seed,) = [a for a in artifacts if a.key == props["SeedCodeKey"]]
        assert seed.path == f"seedcode/{seed_name}.zip"
        target = s3 / props["SeedCodeBucket"] / props["SeedCodeKey"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(seed.data)

    remotes = tmp_path / "remotes"
    for repository in (GIT["ModelBuildCodeRepositoryFullname"], GIT["ModelDeployCodeRepositoryFullname"]):
        bare_repository(remotes / f"{repository}.git")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f'[url "{remotes.as_uri()}/"]\n\tinsteadOf = {ENDPOINT}\n')

    project = resources["SeedCheckinProject"]["Properties"]
    buildspec = tmp_path / "inlined-buildspec.yml"
    buildspec.write_text(project["Source"]["BuildSpec"])  # the template's copy, not buildspecs/
    codebuild = LocalCodeBuild(
        {project["Name"]: project}, buildspec, tmp_path / "builds",
        env={"HOME": str(home), "FAKE_S3_ROOT": str(s3)}, path_prepend=[fake_aws_bin(tmp_path / "bin")],
    )
    return resources, remotes, codebuild


def _cloudformation_request(server, resources, logical_id, request, codebuild, **extra):
    Answers.received.clear()
    event = _event(server, request, properties=resources[logical_id]["Properties"], **extra)
    event["LogicalResourceId"] = logical_id
    handler(event, Context(), codebuild=codebuild, sleep=lambda seconds: None)
    (answer,) = Answers.received
    return answer["body"]


def test_creating_a_project_seeds_the_empty_repository_and_spares_the_other(answers, world, tmp_path):
    resources, remotes, codebuild = world
    deploy_remote = remotes / f"{GIT['ModelDeployCodeRepositoryFullname']}.git"
    push_team_commit(deploy_remote, "main", tmp_path / "team")
    deploy_before = refs(deploy_remote)

    built = _cloudformation_request(answers, resources, "ModelBuildSeedCheckin", "Create", codebuild)
    assert built["Status"] == "SUCCESS", built["Reason"]
    assert built["Data"]["SeedResult"] == "pushed"
    assert built["Data"]["RepositoryUrl"] == f"{ENDPOINT}{GIT['ModelBuildCodeRepositoryFullname']}.git"
    build_remote = remotes / f"{GIT['ModelBuildCodeRepositoryFullname']}.git"
    branch = GIT["ModelBuildCodeRepositoryBranch"]
    files = git("ls-tree", "-r", "--name-only", branch, cwd=build_remote).split()
    assert "codebuild-buildspec.yml" in files and "src/abalone_pipeline/pipeline.py" in files

    deployed = _cloudformation_request(answers, resources, "ModelDeploySeedCheckin", "Create", codebuild)
    assert (deployed["Status"], deployed["Data"]["SeedResult"]) == ("SUCCESS", "skipped")
    assert refs(deploy_remote) == deploy_before

    build_after = refs(build_remote)
    for logical_id in ("ModelBuildSeedCheckin", "ModelDeploySeedCheckin"):
        deleted = _cloudformation_request(
            answers, resources, logical_id, "Delete", codebuild, PhysicalResourceId=built["PhysicalResourceId"]
        )
        assert deleted["Status"] == "SUCCESS"
    assert refs(build_remote) == build_after
    assert refs(deploy_remote) == deploy_before
    assert len(codebuild.builds) == 2  # deletes started nothing


def test_a_failing_push_reaches_cloudformation_as_failed_with_the_reason(answers, world):
    resources, remotes, codebuild = world
    missing = {**resources["ModelBuildSeedCheckin"]["Properties"], "RepositoryFullName": "acme/not-created-yet"}
    resources = {**resources, "ModelBuildSeedCheckin": {"Properties": missing}}
    answer = _cloudformation_request(answers, resources, "ModelBuildSeedCheckin", "Create", codebuild)
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(f"seed check-in build {resources['SeedCheckinProject']['Properties']['Name']}:")
    assert "FAILED in BUILD" in answer["Reason"]
    (log,) = codebuild.logs.values()
    assert "Cannot read https://codeconnections.us-east-1.amazonaws.com/git-http/" in log
