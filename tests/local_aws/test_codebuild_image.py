"""The CodeBuild image stand-in (products/local_aws/codebuild_image.py): each buildspec's install phase
builds the only environment its commands get.

The slow test runs every seed buildspec's install phase as written, in a fresh Python 3.12
environment, then starts each program its build phase runs. It is what catches a build
command importing a package its install phase does not install (the model-build
buildspec's run-pipeline once imported xgboost, installed only for local runs).
"""

import io
import zipfile

import pytest
import yaml

from products.local_aws import codebuild_image
from products.local_aws.codebuild import BuildspecError, run_buildspec

PROJECT = {"Name": "check", "Environment": {"EnvironmentVariables": []}}
# Each seed repo's buildspec, and the programs its build phase starts (with --help: they must import and parse).
PROGRAMS = {
    ("seedcode/model-build.zip", "codebuild-buildspec.yml"): ["run-pipeline --help", "get-pipeline-definition --help"],
    ("seedcode/model-deploy.zip", "buildspec.yml"): ["python build.py --help", "aws cloudformation package help"],
    ("seedcode/model-deploy.zip", "test/buildspec.yml"): ["python test/test.py --help"],
}


def _unzip(data: bytes, target):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(target)
    return target


def test_an_unknown_runtime_or_version_is_refused():
    with pytest.raises(codebuild_image.ImageError, match="runtime nodejs is not stood in for"):
        codebuild_image.runtime_python({"phases": {"install": {"runtime-versions": {"nodejs": 20}}}}, "b.yml")
    with pytest.raises(codebuild_image.ImageError, match="python 3.9 is not a runtime of aws/codebuild/standard:7.0"):
        codebuild_image.runtime_python({"phases": {"install": {"runtime-versions": {"python": 3.9}}}}, "b.yml")
    assert codebuild_image.runtime_python({"phases": {"build": {"commands": ["true"]}}}, "b.yml") is None


def test_the_cache_key_follows_what_is_installed_not_the_code(tmp_path):
    (tmp_path / "constraints.txt").write_text("boto3==1.44.5\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "code.py").write_text("print(1)\n")
    commands = ["python -m pip install -c constraints.txt ."]
    first = codebuild_image.install_recipe(commands, tmp_path)
    (tmp_path / "code.py").write_text("print(2)\n")
    assert codebuild_image.install_recipe(commands, tmp_path) == first  # reinstalled on every build anyway
    (tmp_path / "constraints.txt").write_text("boto3==1.44.4\n")
    assert codebuild_image.install_recipe(commands, tmp_path) != first
    (tmp_path / "constraints.txt").write_text("boto3==1.44.5\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\ndependencies = ['xgboost']\n")
    assert codebuild_image.install_recipe(commands, tmp_path) != first
    assert codebuild_image.install_recipe(commands + ["pip install x"], tmp_path) != first


def _program_check(source, buildspec_path, programs, tmp_path):
    """The buildspec with its own install phase and, as build phase, the programs to start."""
    spec = yaml.safe_load((source / buildspec_path).read_text())
    check = {"version": 0.2, "phases": {"install": spec["phases"]["install"], "build": {"commands": programs}}}
    path = tmp_path / f"check-{buildspec_path.replace('/', '-')}"
    path.write_text(yaml.safe_dump(check))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("zip_path, buildspec_path", list(PROGRAMS))
def test_each_build_program_starts_in_the_environment_its_install_phase_builds(artifacts, tmp_path, zip_path, buildspec_path):
    data = next(a.data for a in artifacts if a.path == zip_path)
    source = _unzip(data, tmp_path / "src")
    check = _program_check(source, buildspec_path, PROGRAMS[(zip_path, buildspec_path)], tmp_path)
    lines = []
    try:
        run = run_buildspec(check, source, PROJECT, "us-east-1", say=lines.append)
    except BuildspecError as error:
        pytest.fail(f"{error}\n" + "\n".join(lines[-20:]))
    assert run.install_seconds > 0


@pytest.mark.slow
def test_the_environment_holds_only_what_the_install_phase_installs(artifacts, tmp_path):
    """xgboost is in the seed repo's test extra, not in what CodeBuild installs: the build cannot import it."""
    data = next(a.data for a in artifacts if a.path == "seedcode/model-build.zip")
    source = _unzip(data, tmp_path / "src")
    check = _program_check(source, "codebuild-buildspec.yml", ["python -c 'import xgboost'"], tmp_path)
    with pytest.raises(BuildspecError, match="No module named 'xgboost'"):
        run_buildspec(check, source, PROJECT, "us-east-1", say=lambda _line: None)


def test_a_command_runs_in_the_buildspecs_shell_and_sh_is_dash_as_on_the_image():
    assert codebuild_image.shell_command({}, "b.yml")[0].endswith("/dash")
    assert codebuild_image.shell_command({"env": {"shell": "/bin/sh"}}, "b.yml")[0].endswith("/dash")
    assert codebuild_image.shell_command({"env": {"shell": "bash"}}, "b.yml")[0].endswith("/bash")
    with pytest.raises(codebuild_image.ImageError, match="env: shell: zsh: CodeBuild's Linux shells are bash and"):
        codebuild_image.shell_command({"env": {"shell": "zsh"}}, "b.yml")


@pytest.mark.parametrize("shell, fails", [(None, True), ("/bin/sh", True), ("bash", False)])
def test_a_bashism_fails_a_build_without_shell_bash_as_in_codebuild(tmp_path, shell, fails):
    spec = {"version": 0.2, "phases": {"build": {"commands": ["[[ -d . ]] && echo bash-only test passed"]}}}
    if shell:
        spec["env"] = {"shell": shell}
    buildspec = tmp_path / "buildspec.yml"
    buildspec.write_text(yaml.safe_dump(spec))
    lines = []
    if fails:
        with pytest.raises(BuildspecError, match=r"exited 127: .*\[\[: not found"):
            run_buildspec(buildspec, tmp_path, PROJECT, "us-east-1", say=lines.append)
    else:
        run_buildspec(buildspec, tmp_path, PROJECT, "us-east-1", say=lines.append)
        assert "      bash-only test passed" in lines


def test_a_failing_command_fails_the_build_when_the_buildspec_exports_variables(tmp_path):
    """The exported variables are captured after each command; the command's exit status still decides."""
    spec = {"version": 0.2, "env": {"exported-variables": ["RESULT"]},
            "phases": {"build": {"commands": ["RESULT=set; false"]}}}
    buildspec = tmp_path / "buildspec.yml"
    buildspec.write_text(yaml.safe_dump(spec))
    with pytest.raises(BuildspecError, match="exited 1"):
        run_buildspec(buildspec, tmp_path, PROJECT, "us-east-1", say=lambda _line: None)
    spec["phases"]["build"]["commands"] = ["RESULT=set"]
    buildspec.write_text(yaml.safe_dump(spec))
    assert run_buildspec(buildspec, tmp_path, PROJECT, "us-east-1", say=lambda _line: None).variables == {"RESULT": "set"}
