"""publish.py upgrade (products/publishing/upgrade.py) in the local AWS: projects created from version 1 of two
products on both routes, version 2 published (a changed template, one new parameter with a default), the upgrade
plans each project from a change set of its stack, carries its parameter values over and applies through
SageMaker's UpdateProject; a second upgrade finds nothing to do and writes nothing. A version 2 that replaces the
bucket is refused for every project without allow_replace; one whose update fails rolls that project back only.

One emulator per test (each publishes its own versions); the projects' pipelines do not start their first run.
"""

import json
from dataclasses import replace

import pytest
from troposphere import Equals, Parameter, Ref, Sub, Tag, Tags, codestarconnections

from products import PRODUCTS
from products.local_aws.codepipeline_runs import NO_CREATION_RUNS
from products.local_aws.emulator import moto_server
from products.publishing.aws import Aws, BadInput, CallLog
from products.publishing.publication import Publication
from products.publishing.upgrade import Selection, Upgrade, parse_parameters
from products.render.synth import synthesize
from tests.local_aws.studio import REGION, create_project, publish_for_studio

PRODUCTS_UPGRADED = ("build-train", "build-train-batch")
WEEKLY = "cron(0 3 ? * MON *)"


@pytest.fixture
def local_aws(config, tmp_path):
    with moto_server(env={NO_CREATION_RUNS: "1"}) as endpoint, pytest.MonkeyPatch.context() as env:
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "admin", "AWS_SECRET_ACCESS_KEY": "admin",
                           "AWS_DEFAULT_REGION": REGION}.items():
            env.setenv(key, value)
        env.delenv("AWS_PROFILE", raising=False)
        yield publish_for_studio(config, synthesize(config))


def _projects(catalog) -> dict[str, dict]:
    """Four projects of version 1: each product on each route; the batch ones on a weekly schedule (not the default)."""
    made = {}
    for product in PRODUCTS_UPGRADED:
        for route in ("servicecatalog", "s3"):
            name = f"{'bt' if product == 'build-train' else 'batch'}-{'sc' if route == 'servicecatalog' else 's3'}"
            parameters = {"BatchScheduleExpression": WEEKLY} if product == "build-train-batch" else {}
            made[name] = create_project(catalog, product, route, name, parameters)
            assert made[name]["ProjectStatus"] == "CreateCompleted", made[name]
    return made


def _version_2(monkeypatch, change) -> None:
    """Version 2 of both products: their version 1 template, then ``change(template)``."""
    for name in PRODUCTS_UPGRADED:
        product = PRODUCTS[name]

        def build(settings, product=product):
            template = product.build(settings)
            change(template)
            return template
        monkeypatch.setitem(PRODUCTS, name, replace(product, build=build))


def _tagged_and_a_new_parameter(template) -> None:
    template.add_parameter(Parameter("RetentionDays", Type="String", Default="30",
                                     Description="Days to keep build logs (new in version 2)."))
    bucket = template.resources["ArtifactBucket"]
    bucket.Tags = bucket.Tags + Tags(Tag("catalog-version", "2"))


def _publish(catalog, config):
    """The catalog as it renders now, published into the same account and domain as version 1 was."""
    artifacts = synthesize(config)
    Publication(catalog.config, [catalog.aws], artifacts, catalog.config.publish.targets, say=lambda *_: None,
                poll_seconds=0.1).run(apply=True, ask=lambda question: True)
    return artifacts


def _stack_of(catalog, project_id: str) -> dict:
    stacks = catalog.admin.client("cloudformation").describe_stacks()["Stacks"]
    (stack,) = [s for s in stacks if {"Key": "sagemaker:project-id", "Value": project_id} in s.get("Tags", [])
                and s["StackStatus"] != "DELETE_COMPLETE" and s["StackName"].startswith(("SC-", "SP-"))]
    return stack


def test_upgrade_moves_every_project_to_version_2_keeping_its_values_then_finds_nothing_and_writes_nothing(
        local_aws, config, monkeypatch):
    made = _projects(local_aws)
    for name, project in made.items():  # what a deploy pipeline makes: stage stacks carrying the project's tags too
        local_aws.admin.client("cloudformation").create_stack(
            StackName=f"sagemaker-{name}-deploy-staging", TemplateBody=json.dumps({"Resources": {"Queue": {
                "Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-staging"}}}}),
            Tags=[{"Key": "sagemaker:project-id", "Value": project["ProjectId"]},
                  {"Key": "sagemaker:deployment-stage", "Value": "staging"}])
    _version_2(monkeypatch, _tagged_and_a_new_parameter)
    artifacts = _publish(local_aws, config)
    log = CallLog()
    upgrade = Upgrade(Aws(REGION, log=log), local_aws.config, artifacts, say=lambda *_: None, poll_seconds=0.1)
    planned = upgrade.plan(Selection())
    assert sorted(u.name for u in planned) == sorted(made)
    for u in planned:
        assert not u.skipped, (u.name, u.skipped)
        assert u.stack_id.split("/")[1].startswith(("SC-", "SP-")), u.stack_id  # the project's stack, not a stage's
        assert u.added == ["RetentionDays"] and u.dropped == []
        assert [(c.action, c.logical_id, c.replacement) for c in u.changes] == [("Modify", "ArtifactBucket", "False")]
        assert [d.split(":")[0] for d in u.changes[0].details] == ["Tags"], u.changes[0].details
    # planning writes change sets only, each deleted once described (as `plan` does)
    assert {w.split(":")[-1] for w in log.writes} == {"CreateChangeSet", "DeleteChangeSet"}, log.writes
    upgrade.apply(planned)
    assert [u.outcome for u in planned] == ["upgraded"] * 4
    for name, project in made.items():
        stack = _stack_of(local_aws, project["ProjectId"])
        parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
        assert parameters["RetentionDays"] == "30" and parameters["SageMakerProjectName"] == name
        if name.startswith("batch"):
            assert parameters["BatchScheduleExpression"] == WEEKLY  # the project's own value, carried over
        assert local_aws.admin.client("sagemaker").describe_project(ProjectName=name)["ProjectStatus"] == "UpdateCompleted"

    again_log = CallLog()
    again = Upgrade(Aws(REGION, log=again_log), local_aws.config, artifacts, say=lambda *_: None).plan(Selection())
    assert again == [] and again_log.writes == []


def _renamed_bucket(template) -> None:
    template.resources["ArtifactBucket"].BucketName = Sub("sagemaker-project-${SageMakerProjectId}-v2")


def test_a_version_that_replaces_the_bucket_is_refused_for_every_project_unless_allowed(local_aws, config, monkeypatch):
    made = _projects(local_aws)
    _version_2(monkeypatch, _renamed_bucket)
    artifacts = _publish(local_aws, config)
    planned = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(Selection())
    assert sorted(u.name for u in planned) == sorted(made)
    assert {u.skipped for u in planned} == {
        "the update would replace its bucket ArtifactBucket (AWS::S3::Bucket); --allow-replace upgrades it anyway"}
    allowed = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(Selection(allow_replace=True))
    assert all(u.pending for u in allowed)
    # The bucket is replaced; what names it is updated (CloudFormation's update reaches it), and its policy, whose
    # Bucket is create-only, is replaced too.
    changes = {(c.logical_id, c.replacement) for u in allowed for c in u.changes}
    assert {name for name, replaced in changes if replaced == "True"} == {"ArtifactBucket", "ArtifactBucketPolicy"}
    assert {"ModelBuildProject", "ModelBuildPipeline"} <= {name for name, _ in changes}


def _failing_where_weekly(template) -> None:
    """Version 2 adds a resource only for projects on the weekly schedule, which CloudFormation cannot create (the
    launch role has no codestar-connections permission, and the local AWS has no such type: either way it fails)."""
    if "BatchScheduleExpression" not in template.parameters:
        return
    _tagged_and_a_new_parameter(template)
    template.add_condition("Weekly", Equals(Ref("BatchScheduleExpression"), WEEKLY))
    template.add_resource(codestarconnections.Connection("Connection", Condition="Weekly", ConnectionName="weekly",
                                                         ProviderType="GitHub"))


def test_a_project_whose_update_fails_is_rolled_back_and_named_and_the_others_are_upgraded(local_aws, config, monkeypatch):
    weekly = create_project(local_aws, "build-train-batch", "servicecatalog", "weekly", {"BatchScheduleExpression": WEEKLY})
    daily = create_project(local_aws, "build-train-batch", "s3", "daily", {})
    _version_2(monkeypatch, _failing_where_weekly)
    artifacts = _publish(local_aws, config)
    upgrade = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None, poll_seconds=0.1)
    planned = {u.name: u for u in upgrade.plan(Selection(products=("build-train-batch",)))}
    assert ("Add", "Connection") in {(c.action, c.logical_id) for c in planned["weekly"].changes}
    upgrade.apply(list(planned.values()))
    assert planned["daily"].outcome == "upgraded"
    assert planned["weekly"].outcome.startswith("failed (UpdateFailed): ") and "Connection" in planned["weekly"].outcome
    stack = _stack_of(local_aws, weekly["ProjectId"])
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "RetentionDays" not in {p["ParameterKey"] for p in stack["Parameters"]}  # back on version 1
    assert _stack_of(local_aws, daily["ProjectId"])["StackStatus"] == "UPDATE_COMPLETE"
    still = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(Selection())
    assert [u.name for u in still] == ["weekly"]  # the fleet still reports it on version 1


def test_a_new_parameter_without_a_default_skips_the_project_until_given(local_aws, config, monkeypatch):
    create_project(local_aws, "build-train", "servicecatalog", "needs-owner", {})
    broken = create_project(local_aws, "build-train", "servicecatalog", "broken", {"NoSuchParameter": "x"})
    assert broken["ProjectStatus"] == "CreateFailed"
    _version_2(monkeypatch, lambda t: t.add_parameter(Parameter("OwnerEmail", Type="String")))
    artifacts = _publish(local_aws, config)
    planned = {u.name: u for u in Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(
        Selection())}
    assert planned["broken"].skipped == "the project is CreateFailed; upgrade it once it has settled"
    skipped = planned["needs-owner"]
    assert skipped.skipped == (f"parameter OwnerEmail: version {skipped.report.current} adds it without a default: "
                               "give --parameter needs-owner:OwnerEmail=VALUE")
    given = Selection(projects=("needs-owner",), parameters=parse_parameters(["needs-owner:OwnerEmail=team@example.com"]))
    (planned,) = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(given)
    assert planned.pending and planned.parameters["OwnerEmail"] == "team@example.com"
    with pytest.raises(BadInput, match="--parameter 'OwnerEmail=x': expected PROJECT:NAME=VALUE"):
        parse_parameters(["OwnerEmail=x"])


def test_the_cli_plans_asks_once_applies_and_reports(local_aws, config, monkeypatch, capsys):
    import publish

    create_project(local_aws, "build-train", "s3", "cli-project", {})
    _version_2(monkeypatch, _tagged_and_a_new_parameter)
    _publish(local_aws, config)
    base = ["upgrade", "--poll-seconds", "0.1"]  # catalog.yaml, as the test renders it
    assert publish.main([*base, "--project", "no-such"]) == 2
    assert "--project no-such: no such project (projects: cli-project)" in capsys.readouterr().err
    assert publish.main([*base, "--detailed-exitcode"]) == 4
    shown = capsys.readouterr().out
    assert "project cli-project (" in shown and "Modify  ArtifactBucket (AWS::S3::Bucket)" in shown
    assert "parameters: +RetentionDays (its default)" in shown and "upgrade: 1 project(s) to upgrade, 0 skipped" in shown
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("n\n"))
    assert publish.main(base) == 3
    assert "upgrade: not confirmed; nothing changed" in capsys.readouterr().out
    assert publish.main([*base, "--yes", "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(p["project"], p["outcome"]) for p in report["projects"]] == [("cli-project", "upgraded")]
    assert publish.main([*base, "--detailed-exitcode"]) == 0
    assert "every project made from this catalog runs its product's current version" in capsys.readouterr().out


def test_a_version_that_drops_a_parameter_the_project_set_skips_it_unless_allowed(local_aws, config, monkeypatch):
    original = PRODUCTS["build-train"]
    _version_2(monkeypatch, lambda t: t.add_parameter(Parameter("Team", Type="String", Default="ml")))
    _publish(local_aws, config)  # a version with a Team parameter ...
    create_project(local_aws, "build-train", "servicecatalog", "risk-team", {"Team": "risk"})
    monkeypatch.setitem(PRODUCTS, "build-train", original)  # ... and the next without it
    artifacts = _publish(local_aws, config)
    (planned,) = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(Selection(projects=("risk-team",)))
    assert planned.skipped == (f"version {planned.report.current} drops parameter Team, which this project sets to "
                               "'risk': what it set up would go; --allow-replace upgrades it anyway")
    (allowed,) = Upgrade(Aws(REGION), local_aws.config, artifacts, say=lambda *_: None).plan(
        Selection(projects=("risk-team",), allow_replace=True))
    assert allowed.pending and allowed.dropped == ["Team"]
