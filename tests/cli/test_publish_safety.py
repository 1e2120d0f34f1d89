"""publish.py as an admin runs it, as a process against the emulator: one plan, one question, then writes.

Each test gets a fresh emulator (moto_server) and inspects what the run left with boto3.
Interrupts are real SIGINTs sent to the process: at the prompt of a pseudo-terminal, and,
to land deterministically mid-run, from inside the process at a chosen call (a runner that
patches one function to signal itself, then runs publish.py unchanged).
"""

import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import boto3
import pytest

from products.blocks.build_contract import SEED_REPOS
from products import PRODUCTS
from products.local_aws.emulator import free_port, moto_server

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLES, PORTFOLIO = "sagemaker-catalog-roles", "sagemaker-catalog-portfolio"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
UPLOADS = len(SEED_REPOS) + len(PRODUCTS)  # the seed zips and each product template
PLAN_WRITES = {"cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack"}


@pytest.fixture
def endpoint():
    with moto_server() as url:
        yield url


def environment(endpoint):
    env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
    env.pop("AWS_PROFILE", None)
    return env


def run(endpoint, *args, stdin: str | None = None, program=("publish.py",)):
    return subprocess.run(
        [sys.executable, *program, *args], cwd=REPO_ROOT, capture_output=True, text=True, env=environment(endpoint),
        input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def left_behind(endpoint) -> dict:
    """Buckets, live stacks with their status, and change sets: what a declined run must not leave."""
    cfn = client(endpoint, "cloudformation")
    stacks = {s["StackName"]: s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"}
    # Executed change sets are not left behind: AWS removes a stack's change sets once one is executed (moto keeps them).
    change_sets = {name: [c["ChangeSetName"] for c in cfn.list_change_sets(StackName=name)["Summaries"]
                          if c.get("ExecutionStatus") != "EXECUTE_COMPLETE"] for name in stacks}
    buckets = [b["Name"] for b in client(endpoint, "s3").list_buckets()["Buckets"]]
    return {"buckets": buckets, "stacks": stacks, "change_sets": {k: v for k, v in change_sets.items() if v}}


NOTHING = {"buckets": [], "stacks": {}, "change_sets": {}}


def assert_one_error_line(result):
    assert "Traceback" not in result.stderr + result.stdout
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr


def test_no_answer_shows_the_whole_plan_and_writes_nothing(endpoint, rendered):
    resources = len(rendered["roles.json"]["Resources"]) + len(rendered["portfolio.json"]["Resources"])
    result = run(endpoint, "publish", "--poll-seconds", "0", "--output", "json")
    assert result.returncode == 3, result.stderr
    shown = result.stderr  # progress, the plan and the question go to stderr when stdout carries JSON
    for text in ("asset bucket sagemaker-catalog-123456789012-us-east-1: create, set encryption",
                 "upload s3://sagemaker-catalog-123456789012-us-east-1/seedcode/model-build/",
                 f"stack {ROLES}: create", "Add     LaunchRole (AWS::IAM::Role)",
                 f"Plan: {resources} to add, 0 to change, 0 to remove (stack resources); {UPLOADS} upload(s), 5 bucket setting(s)",
                 "Apply these changes to us-east-1? [y/N]", "no answer (standard input is closed)",
                 "us-east-1: not applied (not confirmed); nothing changed"):
        assert text in shown, text
    report = json.loads(result.stdout)
    assert report["declined"] and not report["applied"]
    writes = {call for call in report["calls"]["by_operation"] if not call.split(":")[1].startswith(("Get", "Head", "List", "Describe"))}
    assert writes == PLAN_WRITES
    assert left_behind(endpoint) == NOTHING


def test_a_piped_answer_answers_the_prompt(endpoint):
    declined = run(endpoint, "publish", "--poll-seconds", "0", stdin="n\n")
    assert declined.returncode == 3 and left_behind(endpoint) == NOTHING

    applied = run(endpoint, "publish", "--poll-seconds", "0", stdin="y\n")
    assert applied.returncode == 0, applied.stderr
    last = applied.stdout.splitlines()[-2]
    assert last.startswith("us-east-1: published: asset bucket") and f"stack {ROLES} created; stack {PORTFOLIO} created" in last
    assert left_behind(endpoint)["stacks"] == {ROLES: "CREATE_COMPLETE", PORTFOLIO: "CREATE_COMPLETE"}

    again = run(endpoint, "publish", "--poll-seconds", "0")  # nothing to ask: no prompt, no writes
    assert again.returncode == 0 and "us-east-1: up to date" in again.stdout and "(0 writes)" in again.stdout
    assert "[y/N]" not in again.stdout


def _without_statement(template: dict, role: str) -> tuple[dict, dict]:
    """The roles template with the first statement of ``role``'s first policy removed, and that statement."""
    changed = json.loads(json.dumps(template))
    statements = changed["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    return changed, statements.pop(0)


def test_plan_shows_property_and_policy_statement_changes_and_a_detailed_exit_code(endpoint):
    assert run(endpoint, "publish", "--yes", "--poll-seconds", "0").returncode == 0
    cfn = client(endpoint, "cloudformation")
    deployed = json.loads(json.dumps(cfn.get_template(StackName=ROLES)["TemplateBody"]))
    drifted, statement = _without_statement(deployed, "UseRole")
    cfn.update_stack(StackName=ROLES, TemplateBody=json.dumps(drifted), Capabilities=["CAPABILITY_NAMED_IAM"])

    plan = run(endpoint, "plan", "--detailed-exitcode", "--poll-seconds", "0")
    assert plan.returncode == 4, plan.stderr
    assert "Modify  UseRole (AWS::IAM::Role)" in plan.stdout
    added = "Policies[0].PolicyDocument: + " + json.dumps(statement, sort_keys=True, separators=(",", ":"))
    assert added in plan.stdout
    assert "Plan: 0 to add, 1 to change, 0 to remove" in plan.stdout
    assert "(property changes compared from the deployed and new templates" in plan.stdout  # moto's change sets have none
    assert left_behind(endpoint)["change_sets"] == {}

    assert run(endpoint, "publish", "--yes", "--poll-seconds", "0").returncode == 0
    assert run(endpoint, "plan", "--detailed-exitcode", "--poll-seconds", "0").returncode == 0


def test_a_failed_roles_stack_stops_the_portfolio_and_says_what_was_applied(endpoint):
    # A managed policy of the roles stack's name, made outside it: the stack fails creating it. (A role made outside
    # is refused before any write: tests/publishing/test_publish.py.)
    client(endpoint, "iam").create_policy(PolicyName="AmazonSageMakerProjectsS3TemplatesUserPolicy", Path="/service-role/",
                                          PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                              {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    result = run(endpoint, "publish", "--yes", "--poll-seconds", "0")
    assert result.returncode == 1
    assert_one_error_line(result)
    assert "already applied: us-east-1: asset bucket" in result.stderr and f"{UPLOADS} upload(s); nothing after the failure" in result.stderr
    assert f"{PORTFOLIO}: executing change set" not in result.stdout
    assert PORTFOLIO not in left_behind(endpoint)["stacks"]


def test_ctrl_c_at_the_prompt_applies_nothing_and_cleans_up(endpoint):
    pid, terminal = pty.fork()
    if pid == 0:  # the child: publish.py on a terminal
        os.chdir(REPO_ROOT)
        os.execve(sys.executable, [sys.executable, "publish.py", "publish", "--poll-seconds", "0"], environment(endpoint))
    shown = b""
    while b"[y/N]" not in shown:
        ready, _, _ = select.select([terminal], [], [], 60)
        assert ready, f"no prompt: {shown.decode(errors='replace')[-500:]}"
        shown += os.read(terminal, 65536)
    os.kill(pid, signal.SIGINT)
    rest = b""
    while True:
        # Only a hang is meant to fail here, so the bound is far from any normal run (5 s). Twice a run under load
        # saw none of the signal: it landed just before the prompt's read, which then waited for a line; the
        # prompt now waits on a signal wakeup pipe too (publish.py, _read_line).
        ready, _, _ = select.select([terminal], [], [], 600)
        assert ready, f"still running 10 minutes after Ctrl-C: {(shown + rest).decode(errors='replace')[-500:]}"
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        rest += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 130
    after = rest.decode(errors="replace")
    assert "interrupted: nothing applied" in after and "Traceback" not in after
    assert left_behind(endpoint) == NOTHING


def interrupting(patch: str) -> tuple[str, ...]:
    """A runner that applies ``patch`` (code that sends SIGINT to this process at some point), then runs publish.py."""
    runner = textwrap.dedent("""
        import os, runpy, signal, sys
        {patch}
        sys.argv = ["publish.py", *sys.argv[1:]]
        runpy.run_path("publish.py", run_name="__main__")
    """).format(patch=textwrap.dedent(patch))
    return ("-c", runner)


def test_ctrl_c_while_uploading_says_what_was_applied_and_a_rerun_converges(endpoint):
    program = interrupting("""
        import products.publishing.assets as assets
        real_upload, calls = assets.AssetBucket.upload, []
        def upload(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGINT)
            return real_upload(self, *args, **kwargs)
        assets.AssetBucket.upload = upload
    """)
    result = run(endpoint, "publish", "--yes", "--poll-seconds", "0", program=program)
    assert result.returncode == 130, result.stderr
    assert_one_error_line(result)
    assert result.stderr.startswith("interrupted: applied us-east-1: asset bucket sagemaker-catalog-123456789012-us-east-1")
    state = left_behind(endpoint)
    assert state["change_sets"] == {} and state["stacks"] == {}  # the plan's change sets and empty stacks are gone
    again = run(endpoint, "publish", "--yes", "--poll-seconds", "0")
    assert again.returncode == 0 and left_behind(endpoint)["stacks"] == {ROLES: "CREATE_COMPLETE", PORTFOLIO: "CREATE_COMPLETE"}


def test_ctrl_c_while_the_libraries_load_is_one_line(endpoint):
    program = interrupting("""
        import importlib.abc
        class Interrupt(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "products.catalog.config":
                    sys.meta_path.remove(self)
                    os.kill(os.getpid(), signal.SIGINT)
                return None
        sys.meta_path.insert(0, Interrupt())
    """)
    result = run(endpoint, "plan", program=program)
    assert result.returncode == 130
    assert result.stderr == "interrupted: nothing applied\n"


@pytest.mark.parametrize("args, config_edit, message", [
    (("plan", "--region", "us-east1"), None, "error: --region: unknown region 'us-east1'"),
    (("plan", "--target", "s3"), None, "error: the s3 target needs a Studio domain id"),
    (("publish", "--domain-id", "Studio"), None, "error: --domain-id: expected a SageMaker domain id"),
    (("verify", "--target", "both"), None, "error: the s3 target needs a Studio domain id"),
    (("plan", "--profile", "nobody"), None, "error: --profile: The config profile (nobody) could not be found"),
    (("plan",), ("  - us-east-1\n", "  - us-east-9\n"), "regions[0]: expected a region where CloudFormation is offered, got 'us-east-9'"),
    (("plan",), ('    - "arn:${AWS::Partition}:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*"\n', "    []\n"),
     "portfolio.principals: expected at least one principal (with none, nobody sees the templates in Studio)"),
    (("plan",), ("display_name: SageMaker MLOps project templates", 'display_name: "SageMaker MLOps project templates'),
     "catalog.yaml: line {display_name}: expected a closing quote"),
    (("plan", "--output", "yaml"), None, "argument --output: invalid choice: 'yaml'"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_call(args, config_edit, message, tmp_path):
    """No emulator runs here: a bad input must fail before the first AWS call (a call would not reach anything)."""
    dead = f"http://127.0.0.1:{free_port()}"
    extra = ()
    if config_edit:
        config = tmp_path / "catalog.yaml"
        text = (REPO_ROOT / "catalog.yaml").read_text()
        assert config_edit[0] in text
        config.write_text(text.replace(config_edit[0], config_edit[1]))
        extra = ("--config", str(config))
    result = run(dead, *args, *extra)
    assert result.returncode == 2, result.stderr
    lines = (REPO_ROOT / "catalog.yaml").read_text().splitlines()
    display_name = next(n for n, line in enumerate(lines, 1) if "display_name:" in line)
    assert message.format(display_name=display_name) in result.stderr
    assert "Traceback" not in result.stderr and "cannot reach" not in result.stderr


def test_a_dead_endpoint_fails_naming_it():
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(dead, "plan")
    assert result.returncode == 1
    assert_one_error_line(result)
    assert f"error: cannot reach {dead}: no answer; is AWS_ENDPOINT_URL" in result.stderr


def test_verify_reports_every_check_and_json_is_always_on_stdout(endpoint):
    assert run(endpoint, "publish", "--yes", "--poll-seconds", "0").returncode == 0
    domain = client(endpoint, "sagemaker").create_domain(
        DomainName="studio", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],  # moto's ListTags needs Tags
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x"},
    )
    domain_id = domain["DomainArn"].rsplit("/", 1)[1]
    result = run(endpoint, "verify", "--target", "both", "--domain-id", domain_id, "--output", "json")
    assert result.returncode == 1  # the S3 route was not published: its checks fail
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["SageMaker uses Service Catalog"]["status"] == "not checked"
    assert "does not support GetSagemakerServicecatalogPortfolioStatus" in checks["SageMaker uses Service Catalog"]["detail"]
    assert checks["portfolio stack"]["status"] == "pass"  # its outputs name the portfolio the local AWS created
    assert checks["role AmazonSageMakerServiceCatalogProductsLaunchRole"]["status"] == "pass"
    assert checks["S3 template studio-templates/deploy.yaml is visible in Studio"]["status"] == "fail"
    assert checks[f"domain {domain_id} points Studio at the templates"]["status"] == "fail"
    text = run(endpoint, "verify", "--target", "both", "--domain-id", domain_id)
    # ok: 9 of the account, the portfolio stack and its principal, each product's visibility and launch constraint;
    # failed: CORS, each template, the domain tag (the S3 route was not published); not checked: the portfolio
    # status, connections, and the execution roles on both routes (no ListUserProfiles)
    ok = 9 + 2 + 2 * len(PRODUCTS)
    assert text.stdout.splitlines()[-1].startswith(f"verify: {ok} ok, {len(PRODUCTS) + 2} failed, 4 not checked")


def test_doctor_help_is_doctors_and_the_emulator_explains_its_port():
    helped = subprocess.run([sys.executable, "publish.py", "doctor", "--help"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: publish.py doctor")
    emulator = subprocess.run([sys.executable, "-m", "products.local_aws.emulator", "http"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert emulator.returncode == 2 and "argument port: invalid int value: 'http'" in emulator.stderr
    usage = subprocess.run([sys.executable, "-m", "products.local_aws.emulator", "--help"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:PORT" in usage.stdout


def test_the_emulator_says_where_it_listens_and_stops_on_ctrl_c_with_one_line():
    process = subprocess.Popen([sys.executable, "-m", "products.local_aws.emulator"], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
        assert first.startswith("emulator: export AWS_ENDPOINT_URL=http://127.0.0.1:")
        port = int(first.split("127.0.0.1:", 1)[1].split()[0])
        for _ in range(300):  # wait until it listens (polling, not a timed assertion)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr[-2000:]
    assert stderr.splitlines()[-1] == f"interrupted: emulator on 127.0.0.1:{port} stopped (its state is gone)"
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_ctrl_c_in_the_demo_is_one_line_and_stops_its_emulator():
    """SIGINT lands while the demo waits for the push's pipeline run to start (step 3), from inside the process."""
    program = interrupting("""
        import products.demo.watch as watch
        real_started = watch.started_execution
        def started_execution(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            return real_started(*args, **kwargs)
        watch.started_execution = started_execution
    """)
    result = subprocess.run([sys.executable, *program, "demo"], cwd=REPO_ROOT, capture_output=True, text=True,
                            env={k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"})
    assert result.returncode == 130, result.stderr[-2000:]
    assert result.stderr == ("interrupted: demo stopped; its emulator and temporary files are removed, "
                             "nothing outside them changed\n")
    endpoint = next(line for line in result.stdout.splitlines() if "AWS emulator at" in line).rsplit(" ", 1)[1]
    port = int(endpoint.rsplit(":", 1)[1])
    with pytest.raises(OSError):  # the emulator is gone
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_every_region_is_planned_and_shown_before_the_one_question(endpoint, tmp_path):
    config = tmp_path / "catalog.yaml"
    config.write_text((REPO_ROOT / "catalog.yaml").read_text().replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n"))
    result = run(endpoint, "publish", "--config", str(config), "--poll-seconds", "0", stdin="y\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("[y/N]") == 1
    question = out.index("Apply these changes to us-east-1, eu-west-1? [y/N]")
    assert out.index("us-east-1 (account") < out.index("eu-west-1 (account") < question
    assert out.index("publish: applying us-east-1") > question
    # IAM is global: the roles stack is planned and deployed in the first region only.
    assert f"stack {ROLES}: create" in out[:out.index("eu-west-1 (account")]
    assert f"stack {ROLES}" not in out[out.index("eu-west-1 (account"):question]
    closing = [line for line in out.splitlines() if line.startswith(("us-east-1: ", "eu-west-1: "))]
    assert [line.split(":")[0] for line in closing] == ["us-east-1", "eu-west-1"]
    assert all(": published: " in line for line in closing)
    eu = boto3.client("cloudformation", endpoint_url=endpoint, region_name="eu-west-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    assert [s["StackName"] for s in eu.describe_stacks()["Stacks"]] == [PORTFOLIO]


def test_destroy_everything_then_publish_again_converges(endpoint):
    """destroy --roles --buckets leaves no IAM policy, role or bucket of the catalog's, so publishing again creates
    them afresh (the roles stack's managed policies were left behind once, and the next publish failed with
    EntityAlreadyExists: products/local_aws/cloudformation/moto_deletions.py)."""
    domain = client(endpoint, "sagemaker").create_domain(
        DomainName="studio", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x"},
    )["DomainArn"].rsplit("/", 1)[1]
    both = ("--target", "both", "--domain-id", domain, "--yes", "--poll-seconds", "0")
    iam = client(endpoint, "iam")
    assert run(endpoint, "publish", *both).returncode == 0
    policies = {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]}
    assert policies, "the roles stack creates managed policies"
    destroyed = run(endpoint, "destroy", "--roles", "--buckets", "--domain-id", domain, "--yes", "--poll-seconds", "0")
    assert destroyed.returncode == 0, destroyed.stderr
    assert iam.list_policies(Scope="Local")["Policies"] == [] and left_behind(endpoint) == NOTHING
    again = run(endpoint, "publish", *both)
    assert again.returncode == 0, again.stderr
    assert {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]} == policies
