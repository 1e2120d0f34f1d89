"""The seed check-in buildspec pushes into empty repositories only, and fails loudly.

It runs here as CodeBuild would run it for the product's SeedCheckinProject, against
local bare Git repositories instead of the CodeConnections endpoint (git speaks the
same protocol to both; the credential helper is not consulted for file:// remotes).
``aws s3 cp`` is a stand-in on PATH (tests/local_codebuild.py) serving the real seed zip.
"""

import io
import zipfile

import pytest

from products.blocks import build_contract as contract
from products.blocks.seed_checkin import BUILDSPEC_PATH
from products.local_aws.codebuild import BuildspecError, run_buildspec
from products.analysis.resolve import resolve
from tests.conftest import SAMPLE_PROJECT
from tests.local_codebuild import fake_aws_bin
from tests.local_git import bare_repository, git, push_team_commit, refs
from tests.products.test_git_product import GIT, PATH

SEED_KEY = "seedcode/model-build/seed.zip"


@pytest.fixture
def seed_zip(artifacts):
    (artifact,) = [a for a in artifacts if a.path == f"seedcode/{contract.MODEL_BUILD.name}.zip"]
    return artifact.data


@pytest.fixture
def checkin(tmp_path, rendered, seed_zip):
    """Run the buildspec for one repository, as the custom resource's build would."""
    project = resolve(rendered[PATH], GIT).resources()["SeedCheckinProject"]["Properties"]
    bucket = tmp_path / "s3" / "seed-bucket"
    (bucket / SEED_KEY).parent.mkdir(parents=True)
    (bucket / SEED_KEY).write_bytes(seed_zip)
    bin_dir = fake_aws_bin(tmp_path / "bin")

    def run(repository_url: str, branch: str = "release"):
        overrides = {
            contract.ENV_GIT_REPOSITORY_URL: repository_url,
            contract.ENV_GIT_BRANCH: branch,
            contract.ENV_SEED_CODE_URI: f"s3://seed-bucket/{SEED_KEY}",
        }
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        lines = []
        build = run_buildspec(
            BUILDSPEC_PATH, work, project, "eu-west-1",
            extra_env={"HOME": str(tmp_path), "FAKE_S3_ROOT": str(tmp_path / "s3")},
            overrides=overrides, path_prepend=[bin_dir], say=lines.append,
        )
        return build.variables, "\n".join(lines)

    return run


@pytest.fixture
def empty_repository(tmp_path):
    return bare_repository(tmp_path / "remote.git")


def test_an_empty_repository_gets_the_seed_code_on_the_given_branch(checkin, empty_repository, tmp_path, seed_zip):
    variables, output = checkin(empty_repository.as_uri(), branch="release")
    assert variables == {"SEED_RESULT": "pushed"}
    assert "Pushed the seed code to release" in output
    assert git("for-each-ref", "--format=%(refname)", cwd=empty_repository).split() == ["refs/heads/release"]
    pushed = set(git("ls-tree", "-r", "--name-only", "release", cwd=empty_repository).split())
    assert pushed == {name for name in zipfile.ZipFile(io.BytesIO(seed_zip)).namelist() if not name.endswith("/")}
    author = git("log", "-1", "--format=%an|%s", "release", cwd=empty_repository).strip()
    name, project_id = SAMPLE_PROJECT["SageMakerProjectName"], SAMPLE_PROJECT["SageMakerProjectId"]
    assert author == f"SageMaker project {name}|Seed code of SageMaker project {name} ({project_id})"


def test_a_repository_with_commits_is_left_untouched(checkin, empty_repository, tmp_path):
    push_team_commit(empty_repository, "develop", tmp_path / "team")
    before = refs(empty_repository)

    variables, output = checkin(empty_repository.as_uri(), branch="main")
    assert variables == {"SEED_RESULT": "skipped"}
    assert "already has commits; leaving it untouched" in output
    assert refs(empty_repository) == before


def test_an_unreachable_repository_fails_the_build(checkin, tmp_path):
    with pytest.raises(BuildspecError, match="build phase"):
        checkin((tmp_path / "no-such-repo.git").as_uri())


def test_the_project_declares_every_variable_the_buildspec_reads(rendered):
    """The runner refuses unset variables; the custom resource only overrides declared ones."""
    project = resolve(rendered[PATH], GIT).resources()["SeedCheckinProject"]["Properties"]
    declared = {v["Name"] for v in project["Environment"]["EnvironmentVariables"]}
    assert {contract.ENV_GIT_REPOSITORY_URL, contract.ENV_GIT_BRANCH, contract.ENV_SEED_CODE_URI} <= declared
    assert project["Source"] == {"Type": "NO_SOURCE", "BuildSpec": BUILDSPEC_PATH.read_text()}
