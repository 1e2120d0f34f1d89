"""The GitHub runner stand-in's refusals (products/local_aws/github_workflows.py): what it does not run is refused,
never skipped or passed; a job whose variables are not set is skipped, as the seed workflows' `if:` says."""

import pytest

from products.local_aws.github_workflows import Run, WorkflowRefused, job_enabled, plan_job, run_job, subject

STEPS = [{"uses": "actions/checkout@v4"}, {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
         {"uses": "aws-actions/configure-aws-credentials@v4",
          "with": {"role-to-assume": "${{ vars.ROLE }}", "aws-region": "us-east-1"}},
         {"run": "python -m pip install uv==0.13.9"}, {"run": "echo ${{ vars.ROLE }}"}]


def _run(**variables) -> Run:
    return Run(repository="acme/abalone-deploy", ref="refs/heads/main", variables=variables,
               endpoint_url="http://127.0.0.1:1", region="us-east-1", say=lambda _line: None)


def test_the_token_subject_is_the_environment_of_a_job_that_names_one_else_its_ref():
    assert subject(_run(), {"environment": "production"}) == "repo:acme/abalone-deploy:environment:production"
    assert subject(_run(), {"environment": {"name": "production"}}) == "repo:acme/abalone-deploy:environment:production"
    assert subject(_run(), {}) == "repo:acme/abalone-deploy:ref:refs/heads/main"


def test_a_job_is_planned_as_install_then_commands_with_its_variables():
    plan = plan_job({"steps": STEPS}, _run(ROLE="arn:aws:iam::1:role/x"))
    assert (plan.python, plan.role_arn, plan.install) == ("3.12", "arn:aws:iam::1:role/x", ["python -m pip install uv==0.13.9"])
    assert plan.commands == ["set -e; echo arn:aws:iam::1:role/x"]


@pytest.mark.parametrize("steps, message", [
    ([*STEPS, {"uses": "docker/build-push-action@v6"}], "not an action the stand-in runs"),
    ([*STEPS[:3], {"run": "echo ${{ github.sha }}"}], "reads only vars.NAME"),
    ([*STEPS[:3], {"run": "echo first"}, {"run": "pip install x"}], "install step must come before"),
    (STEPS[:1], "no Python or no AWS role"),
    ([*STEPS[:3], {"run": "echo x", "shell": "sh"}], r"shell: sh: the stand-in runs GitHub's default shell only"),
])
def test_what_the_stand_in_does_not_run_is_refused(steps, message):
    with pytest.raises(WorkflowRefused, match=message):
        plan_job({"steps": steps}, _run(ROLE="r"))


def test_a_job_or_workflow_with_defaults_is_refused(tmp_path):
    with pytest.raises(WorkflowRefused, match="defaults: the stand-in runs GitHub's default shell only"):
        plan_job({"defaults": {"run": {"shell": "bash"}}, "steps": STEPS}, _run(ROLE="r"))
    workflow = tmp_path / "w.yml"
    workflow.write_text("on: push\ndefaults:\n  run:\n    shell: sh\njobs:\n  j:\n    steps: []\n")
    with pytest.raises(WorkflowRefused, match="defaults: the stand-in runs GitHub's default shell only"):
        run_job(workflow, "j", tmp_path, _run())


def test_a_missing_variable_is_refused_not_expanded_to_nothing():
    with pytest.raises(WorkflowRefused, match="vars.ROLE is not set"):
        plan_job({"steps": STEPS}, _run())


def test_a_job_without_its_variables_is_skipped_and_another_condition_refused():
    assert job_enabled({"if": "${{ vars.ROLE != '' }}"}, _run(ROLE="r"))
    assert not job_enabled({"if": "${{ vars.ROLE != '' }}"}, _run())
    with pytest.raises(WorkflowRefused, match="reads only vars.NAME != ''"):
        job_enabled({"if": "github.event_name == 'push'"}, _run())


def test_a_job_without_an_oidc_token_permission_is_refused(tmp_path):
    workflow = tmp_path / "w.yml"
    workflow.write_text("on: push\npermissions:\n  contents: read\njobs:\n  j:\n    runs-on: ubuntu-24.04\n"
                        "    steps:\n" + "".join(f"      - {line}\n" for line in (
                            "uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'",
                            "uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
                            "          role-to-assume: r\n          aws-region: us-east-1")))
    with pytest.raises(WorkflowRefused, match="no permissions id-token: write"):
        run_job(workflow, "j", tmp_path, _run())
