"""The local demo, end to end, and the broken wires it must catch.

Needs the seed repos' environments (`make test` and `make demo` create them first).
"""

import shutil
import time

import pytest

from products.demo import DemoFailed, run_demo
from products.synth import SEEDCODE_DIR

pytestmark = pytest.mark.slow

TITLES = [
    "publish the catalog", "create a project", "push to the model-build repo",
    "model build: buildspec and pipeline run", "approve the model package",
    "model deploy: buildspec writes stage configs", "deploy staging and test it", "approve, deploy prod, summarize",
]


def quiet(*_):
    pass


def test_the_demo_walks_the_whole_flow():
    started = time.perf_counter()
    result = run_demo(say=quiet)
    assert time.perf_counter() - started < 180
    assert list(result.durations) == TITLES
    assert result.mse < 6.0
    summary = result.summary
    assert summary["project"] == {"name": "abalone", "id": result.project_id}
    (package,) = summary["model_packages"]
    assert package["status"] == "Approved" and package["mse"] == result.mse
    assert [(s["stage"], s["status"], s["endpoint_status"]) for s in summary["stacks"]] == [
        ("prod", "CREATE_COMPLETE", "InService"), ("staging", "CREATE_COMPLETE", "InService")]


def _rename_build_variable(template):
    env = template["Resources"]["ModelBuildProject"]["Properties"]["Environment"]["EnvironmentVariables"]
    for variable in env:
        if variable["Name"] == "ARTIFACT_BUCKET":
            variable["Name"] = "ARTIFACTS_BUCKET"
    return template


def _push_rule_for_master(template):
    template["Resources"]["ModelBuildPushRule"]["Properties"]["EventPattern"]["detail"]["referenceName"] = ["master"]
    return template


def test_a_variable_renamed_in_the_template_but_not_the_buildspec_fails_step_4():
    with pytest.raises(DemoFailed) as failed:
        run_demo(template_mutator=_rename_build_variable, say=quiet)
    assert failed.value.step == 4 and "$ARTIFACT_BUCKET" in failed.value.reason


def test_a_rule_that_no_longer_matches_the_push_fails_step_3():
    with pytest.raises(DemoFailed) as failed:
        run_demo(template_mutator=_push_rule_for_master, say=quiet)
    assert failed.value.step == 3 and "did not start" in failed.value.reason


def test_seed_code_that_no_longer_registers_a_model_fails_step_4(tmp_path):
    seedcode = tmp_path / "seedcode"
    shutil.copytree(SEEDCODE_DIR, seedcode, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", ".pytest_cache"))
    local = seedcode / "model-build" / "src" / "abalone_pipeline" / "local.py"
    text = local.read_text()
    registration = 'run.model_package_arn = sagemaker.create_model_package(**request)["ModelPackageArn"]'
    assert registration in text
    local.write_text(text.replace(registration, 'run.model_package_arn = "not registered"'))
    with pytest.raises(DemoFailed) as failed:
        run_demo(seedcode_dir=seedcode, say=quiet)
    assert failed.value.step == 4 and "registered no PendingManualApproval model package" in failed.value.reason
