#!/usr/bin/env python3
"""Build, check and publish the SageMaker project template catalog.

Exit codes: 0 success; 1 failed (lint findings, a failed deployment or check, an AWS
error); 2 bad input (command line, configuration file, missing synth output); 3 changes
not confirmed (nothing was changed); 4 changes pending (`plan --detailed-exitcode` only);
130 interrupted (Ctrl-C; what was applied, if anything, is said).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

try:  # Ctrl-C while the libraries load is one line too, not a traceback
    from botocore.exceptions import BotoCoreError, ClientError
    from rich.console import Console
    from rich.table import Table

    from products import PRODUCTS
    from products.catalog.config import DEFAULT_CONFIG, DOMAIN_ID, ConfigError, closest_name, load_config
    from products.render.lint import lint_output
    from products.publishing.aws import Aws, BadInput, CallLog, PublishError, lacks_api
    from products.render.synth import SynthError, synthesize, write_output
except KeyboardInterrupt:
    sys.stderr.write("interrupted: nothing applied\n")
    sys.exit(130)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DECLINED, EXIT_CHANGES_PENDING = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
TARGET_CHOICES = {"servicecatalog": ("servicecatalog",), "s3": ("s3",), "both": ("servicecatalog", "s3")}
DEFAULT_OUT = Path("build")

out = Console(highlight=False, soft_wrap=True, markup=False)  # texts hold [brackets] (ARNs, paths, [y/N])
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def cmd_synth(args) -> int:
    started = time.perf_counter()
    config = load_config(args.config, PRODUCTS)
    artifacts = synthesize(config, golden=args.golden)
    write_output(artifacts, args.out)
    for artifact in artifacts:
        out.print(f"  {artifact.path:<40} {len(artifact.data):>8} bytes  {artifact.sha256[:12]}")
    out.print(
        f"synth: wrote {len(artifacts)} artifacts and manifest.json to {args.out} "
        f"in {time.perf_counter() - started:.2f}s"
    )
    return EXIT_OK


def cmd_lint(args) -> int:
    started = time.perf_counter()
    config = load_config(args.config, PRODUCTS)
    files, findings = lint_output(args.out, config.regions, use_cache=not args.no_cache)
    for finding in findings:
        out.print(str(finding))
    elapsed = time.perf_counter() - started
    regions = ", ".join(config.regions)
    if findings:
        out.print(f"lint: {len(findings)} finding(s) in {len(files)} templates ({regions}) in {elapsed:.2f}s")
        return EXIT_FAILED
    out.print(f"lint: {len(files)} templates clean ({regions}) in {elapsed:.2f}s")
    return EXIT_OK


def cmd_products(args) -> int:
    config = load_config(args.config, PRODUCTS)
    table = Table("product", "version", "in catalog", "description", box=None, pad_edge=False)
    for name, product in PRODUCTS.items():
        table.add_row(name, product.version, "yes" if name in config.products else "no", product.description)
    out.print(table)
    return EXIT_OK


def cmd_grants(args) -> int:
    """The grant matrix of a deploying product, rendered in memory (nothing is read from AWS)."""
    from dataclasses import replace

    from products.analysis.grant_matrix import PROD, STAGING, as_json, grants, resolve_accounts, table
    from products.catalog.config import TargetAccount

    config = load_config(args.config, PRODUCTS)
    samples = tuple(TargetAccount(account, f"arn:aws:iam::{account}:role/sample") for account in (STAGING, PROD))
    # rendered for the sample accounts as publish renders a catalog whose target accounts they are
    catalog = synthesize(replace(config, publish=replace(config.publish, target_accounts=samples, target_stack_set=None)))
    templates = {name: json.loads(a.data) for name, a in catalog.product_templates.items()}
    deploying = sorted(name for name, t in templates.items() if "StagingAccountId" in t["Parameters"])
    if args.product not in deploying:
        hint = closest_name(args.product, deploying)
        raise BadInput(f"--product {args.product!r}: not a product of the catalog that deploys to other accounts "
                       f"(one of: {', '.join(deploying)}){'; ' + hint if hint else ''}")
    template = templates[args.product]
    parameters = {name: "placeholder" for name, spec in template["Parameters"].items()
                  if "Default" not in spec and name not in ("SageMakerProjectName", "SageMakerProjectId")}
    if "CodeConnectionArn" in parameters:
        parameters["CodeConnectionArn"] = "arn:aws:codeconnections:us-east-1:111111111111:connection/sample"
        parameters.update({k: f"acme/{k.lower()}" for k in parameters if k.endswith("Fullname")})
    rows = grants(resolve_accounts(template, json.loads(catalog.roles.data), json.loads(catalog.target_account.data),
                                   parameters=parameters))
    if args.output == "json":
        print(as_json(rows))
    else:
        out.print(f"{args.product}: every call into another account, for a project in 111111111111 deploying staging to "
                  "222222222222 and prod to 333333333333 (both sides must allow it)")
        for line in table(rows):
            out.print(line)
    missing = [g for g in rows if not g.allowed]
    if missing:
        err.print(f"grants: {len(missing)} of {len(rows)} calls are missing a grant")
        return EXIT_FAILED
    return EXIT_OK


def _progress(args) -> Console:
    """Progress goes to stderr when stdout carries JSON."""
    return err if getattr(args, "output", "text") == "json" else out


def _regions(args, config) -> list[str]:
    return args.region or list(config.regions)


def _targets(args, config) -> tuple[str, ...]:
    return TARGET_CHOICES[args.target] if args.target else config.publish.targets


def _domain_id(args, config, targets) -> str:
    """The Studio domain for the S3 route: --domain-id, else the configuration's; checked before any call."""
    domain_id = getattr(args, "domain_id", None) or config.publish.studio_domain_id
    if domain_id and not DOMAIN_ID.match(domain_id):
        raise BadInput(f"--domain-id: expected a SageMaker domain id such as d-abcdefghijkl, got {domain_id!r}")
    if "s3" in targets and not domain_id:
        raise BadInput(
            "the s3 target needs a Studio domain id (it tags the domain): pass --domain-id d-... "
            f"or set publish.studio_domain_id in {config.path}"
        )
    return domain_id


def _sessions(args, config, log=None) -> list:
    """One Aws per region, all built (regions and profile checked) before any call."""
    return [Aws(region, args.profile, log) for region in _regions(args, config)]


def _read_line() -> str:
    """One line from stdin, which a Ctrl-C interrupts however close to the read it lands.

    A SIGINT that arrives after Python last checked for signals but before read() blocks sets Python's flag and
    interrupts nothing: the prompt then waited for Enter (seen under load, twice). With a wakeup fd the signal also
    writes a byte to a pipe, and waiting on stdin and that pipe together returns at once either way; Python then
    raises KeyboardInterrupt at its next check."""
    import select
    import signal

    try:
        sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a caller's StringIO): reading it cannot block
        return sys.stdin.readline()
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_write, False)
    try:
        previous = signal.set_wakeup_fd(wakeup_write)
    except ValueError:  # not the main thread: signals are not delivered here anyway
        previous = None
    try:
        if previous is not None:
            select.select([sys.stdin, wakeup_read], [], [])
        return sys.stdin.readline()
    finally:
        if previous is not None:
            signal.set_wakeup_fd(previous)
        os.close(wakeup_read)
        os.close(wakeup_write)


def _ask(args, console: Console, question: str) -> bool:
    """Ask once. --yes answers yes; otherwise one line from stdin (a terminal, or a pipe such as `echo y |`)."""
    if getattr(args, "yes", False):
        return True
    console.print(f"{question} [y/N] ", end="")
    answer = _read_line()
    if not answer:
        console.print("\nno answer (standard input is closed); re-run with --yes to apply without asking")
        return False
    if not sys.stdin.isatty():
        console.print(answer.strip())  # a piped answer is not echoed by a terminal: show what was read
    return answer.strip().lower() in ("y", "yes")


def _emit_json(payload: dict) -> None:
    print(json.dumps(payload, indent=2, sort_keys=True, default=str))


def _interrupted(publication) -> int:
    done = publication.applied
    still_running = any(o == "interrupted" for p in publication.plans for o in p.outcomes.values())
    err.print("interrupted: " + ("applied " + "; ".join(done) if done else "nothing applied")
              + ("; a stack update under way continues in CloudFormation: run publish again to see where it stands"
                 if still_running else ""))
    return EXIT_INTERRUPTED


def _region_status(plan, apply: bool, declined: bool) -> str:
    if plan.up_to_date:
        return "up to date"
    if not apply:
        return "changes pending"
    if declined:
        return "not applied (not confirmed); nothing changed"
    return "published: " + "; ".join(line.split(": ", 1)[1] for line in plan.applied)


def cmd_publish(args, apply: bool = True) -> int:
    """Plan every region, show it all with totals, ask once, then apply region by region."""
    from products.publishing.publication import Publication

    started = time.perf_counter()
    config = load_config(args.config, PRODUCTS)
    targets = _targets(args, config)
    console = _progress(args)
    sessions = _sessions(args, config, log := CallLog())
    config, catalog = _published_catalog(sessions[0], config, console)
    publication = Publication(config, sessions, catalog, targets, _domain_id(args, config, targets), console.print,
                              args.poll_seconds)
    try:
        publication.run(apply, ask=lambda question: _ask(args, console, question),
                        show=lambda plans: _show(plans, console))
    except KeyboardInterrupt:
        return _interrupted(publication)
    except (PublishError, ClientError) as error:
        if not publication.applied:
            raise
        text = f"AWS: {error}" if isinstance(error, ClientError) else str(error)
        raise PublishError(f"{text} (already applied: {'; '.join(publication.applied)}; nothing after the failure)") from None
    return _publish_summary(args, publication, log, apply, time.perf_counter() - started, console)


def _published_catalog(aws, config, console: Console):
    """The configuration with the stack set's units' accounts listed (Organizations, read-only) and the catalog it
    renders: what publish publishes, and what projects are compared with."""
    from products.publishing.organization import with_organization_accounts

    config = with_organization_accounts(aws, config, console.print)
    return config, synthesize(config)


def _show(plans, console: Console) -> None:
    from products.publishing import report

    for plan in plans:
        report.show_plan(plan, console.print)
    if any(not p.up_to_date for p in plans):
        console.print(report.totals_line(plans))


def _publish_summary(args, publication, log, apply: bool, seconds: float, console: Console) -> int:
    """Each region's status, the call counts, the JSON report; the exit code."""
    declined = publication.answer is False
    for plan in publication.plans:
        console.print(f"{plan.label}: {_region_status(plan, apply, declined)}")
    summary = log.summary()
    console.print(f"{'publish' if apply else 'plan'}: {summary['total']} AWS calls ({summary['writes']} writes) "
                  f"in {seconds:.2f}s")
    if args.output == "json":
        _emit_json({"regions": [p.as_dict() for p in publication.plans], "calls": summary, "declined": declined,
                    "applied": publication.answer is True})
    if declined:
        return EXIT_DECLINED
    if not apply and getattr(args, "detailed_exitcode", False) and publication.pending:
        return EXIT_CHANGES_PENDING
    return EXIT_OK


def cmd_plan(args) -> int:
    return cmd_publish(args, apply=False)


def cmd_verify(args) -> int:
    from products.publishing.doctor import verify_region

    config = load_config(args.config, PRODUCTS)
    targets = _targets(args, config)
    domain_id = _domain_id(args, config, targets)  # needed for the S3 route; else optional (execution-role checks)
    sessions = _sessions(args, config)
    console = _progress(args)
    everything = []
    for aws in sessions:
        for check in verify_region(aws, config, targets, domain_id):
            everything.append({"region": aws.region, **check.as_dict()})
            mark = {"pass": "ok  ", "fail": "FAIL", "not checked": "SKIP"}[check.status]
            console.print(f"{mark} {aws.region} {check.name}: {check.detail}"
                          + (f"\n     fix: {check.fix}" if check.status == "fail" and check.fix else ""))
    counts = {status: sum(c["status"] == status for c in everything) for status in ("pass", "fail", "not checked")}
    console.print(f"verify: {counts['pass']} ok, {counts['fail']} failed, {counts['not checked']} not checked")
    if args.output == "json":
        _emit_json({"checks": everything, "failed": counts["fail"], "not_checked": counts["not checked"]})
    return EXIT_FAILED if counts["fail"] else EXIT_OK


def cmd_destroy(args) -> int:
    from products.publishing.aws import assumed
    from products.publishing.publisher import destroy_region

    config = load_config(args.config, PRODUCTS)
    domain_id = _domain_id(args, config, ())  # with --buckets, its S3-templates tag goes when it points at the bucket
    sessions = _sessions(args, config)
    console = _progress(args)
    what = [config.publish.portfolio_stack] + ([config.publish.roles_stack] if args.roles else [])
    what += ["the asset bucket and every object version in it"] if args.buckets else []
    members = config.publish.member_accounts
    accounts = f" (this account and member accounts {', '.join(m.account for m in members)})" if members else ""
    if not _ask(args, console, f"Delete {', '.join(what)} in {', '.join(a.region for a in sessions)}{accounts}?"):
        console.print("destroy: not confirmed; nothing deleted")
        return EXIT_DECLINED
    removed = {}

    def destroy(label: str, aws, domain: str) -> None:
        removed[label] = destroy_region(aws, config, args.roles, args.buckets, console.print, args.poll_seconds, domain)
        console.print(f"{label}: removed " + (", ".join(removed[label]) or "nothing (nothing was there)"))

    try:
        for aws in sessions:
            destroy(aws.region, aws, domain_id)
            for member in members:  # their copies too, each through the role publish assumes there
                destroy(f"{aws.region} (member account {member.account})",
                        assumed(aws, member.role, account=member.account), member.studio_domain_id)
    except KeyboardInterrupt:
        done = [f"{region}: {', '.join(items)}" for region, items in removed.items() if items]
        err.print("interrupted: " + ("removed " + "; ".join(done) if done else "nothing removed yet")
                  + "; a stack deletion under way continues in CloudFormation")
        return EXIT_INTERRUPTED
    if args.output == "json":
        _emit_json({"removed": removed})
    return EXIT_OK


def cmd_create_project(args) -> int:
    """Create a project on the S3 route as Studio does (CreateProject with a CloudFormation template provider)."""
    from products.publishing.assets import AssetBucket, bucket_name
    from products.publishing.projects import (create_project_request, describe, project_outcome, validated,
                                              wait_for_project)
    from products.publishing.assets import studio_template_key

    config = load_config(args.config, PRODUCTS)
    parameters = _key_values(args.parameter)
    aws = _sessions(args, config)[0]  # one project, in the first region given (or configured)
    console = _progress(args)
    config, catalog = _published_catalog(aws, config, console)
    rendered = catalog.product_templates.get(args.product)
    # the same template as its YAML copy (tests/catalog/test_s3_route.py)
    template = json.loads(rendered.data) if rendered else {}
    account = aws.account_id()
    bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
    sagemaker = aws.client("sagemaker")
    request = validated(sagemaker, create_project_request(
        config, product=args.product, template=template, project_name=args.name, parameters=parameters,
        bucket=bucket.name, region=aws.region, account=account, partition=aws.session.get_partition_for_region(aws.region)))
    key = studio_template_key(config, args.product)
    if bucket.stored_sha256(key) != catalog.studio_templates[args.product].sha256:
        raise PublishError(f"s3://{bucket.name}/{key} is missing or not this catalog's current template: "
                           "run `publish.py publish --target s3` first")
    console.print(f"create-project: CreateProject {args.name} from {request['TemplateProviders'][0]['CfnTemplateProvider']['TemplateURL']}")
    try:
        created = sagemaker.create_project(**request)
    except ClientError as error:
        if lacks_api(error, sagemaker.meta.endpoint_url):
            raise PublishError(f"the endpoint does not support CreateProject: nothing created "
                               f"(the request, valid for SageMaker's API model, was: {json.dumps(request)})") from None
        raise
    status, reason = project_outcome(wait_for_project(sagemaker, args.name, console.print, args.poll_seconds, time.sleep))
    if status != "CreateCompleted":
        raise PublishError(f"project {args.name} ({created['ProjectId']}) is {status}: {reason or 'no reason given'}; "
                           f"`aws sagemaker delete-project --project-name {args.name}` removes it")
    console.print(f"{aws.region}: project {args.name} created: {created['ProjectArn']} ({created['ProjectId']})")
    if args.output == "json":
        _emit_json({"request": request, "project_arn": created["ProjectArn"], "project_id": created["ProjectId"],
                    "status": status})
    else:
        console.print(describe(request))
    return EXIT_OK


def cmd_projects(args) -> int:
    """The fleet report: the account's projects made from this catalog, and which run an older version."""
    from products.publishing.fleet import Fleet

    config = load_config(args.config, PRODUCTS)
    sessions = _sessions(args, config)
    console = _progress(args)
    config, catalog = _published_catalog(sessions[0], config, console)
    reports = {aws.region: Fleet(aws, config, catalog).projects() for aws in sessions}
    table = Table("region", "project", "route", "product", "version", "status", "last updated", box=None, pad_edge=False)
    for region, projects in reports.items():
        for r in projects:
            version = f"{r.version} (older: the catalog has {r.current})" if r.outdated else r.version
            table.add_row(region, f"{r.project} ({r.project_id})", r.route, r.product, version, r.status, r.last_updated)
    console.print(table)
    everything = [r for projects in reports.values() for r in projects]
    console.print(f"projects: {len(everything)}, {sum(r.outdated for r in everything)} on an older version of their product, "
                  f"{sum(not r.current for r in everything)} not from this catalog")
    if args.output == "json":
        _emit_json({"projects": [{"region": region, **r.as_dict()} for region, projects in reports.items() for r in projects]})
    return EXIT_OK


def cmd_upgrade(args) -> int:
    """Plan every outdated project's update in every region, show it all with totals, ask once, apply one by one."""
    from products.publishing.upgrade import Selection, check_names, parse_parameters

    started = time.perf_counter()
    config = load_config(args.config, PRODUCTS)
    selection = Selection(tuple(args.project or ()), tuple(args.product or ()), parse_parameters(args.parameter),
                          args.allow_replace)
    for product in selection.products:
        if product not in config.products:
            hint = closest_name(product, config.products)
            raise BadInput(f"--product {product!r}: not a product of this catalog (one of: {', '.join(config.products)})"
                           + (f"; {hint}" if hint else ""))
    sessions = _sessions(args, config, log := CallLog())
    console = _progress(args)
    config, catalog = _published_catalog(sessions[0], config, console)
    plans, answer = {}, None
    try:
        upgraders = _upgraders(sessions, config, catalog, console, args.poll_seconds)
        for label, upgrader in upgraders.items():
            plans[label] = upgrader.plan(selection)
        check_names(selection, {name for upgrader in upgraders.values() for name in upgrader.seen},
                    {used for upgrader in upgraders.values() for used in upgrader.used})
        _show_upgrades(plans, console)
        pending = [u for upgrades in plans.values() for u in upgrades if u.pending]
        if pending and not args.detailed_exitcode:
            answer = _ask(args, console, f"Upgrade {len(pending)} project(s) in {', '.join(plans)}?")
            if answer:
                for label, upgrader in upgraders.items():
                    upgrader.apply(plans[label])
    except KeyboardInterrupt:
        return _upgrade_interrupted(plans)
    return _upgrade_summary(args, plans, answer, log, time.perf_counter() - started, console)


def _upgraders(sessions, config, catalog, console: Console, poll_seconds: float) -> dict:
    """An upgrader per region, and per member account in it (through the role publish assumes there)."""
    from products.publishing.aws import assumed
    from products.publishing.upgrade import Upgrade

    upgraders = {}
    for aws in sessions:
        upgraders[aws.region] = Upgrade(aws, config, catalog, console.print, poll_seconds)
        for member in config.publish.member_accounts:
            upgraders[f"{aws.region} (member account {member.account})"] = Upgrade(
                assumed(aws, member.role, account=member.account), config, catalog, console.print, poll_seconds)
    return upgraders


def _show_upgrades(plans: dict, console: Console) -> None:
    """Each project's plan: its versions, parameters, resource changes with their property diffs, or why it is
    skipped; then the totals."""
    for region, upgrades in plans.items():
        for u in upgrades:
            r = u.report
            console.print(f"\n{region}: project {r.project} ({r.project_id}, {r.route} route): {r.product} {r.version} -> {r.current}")
            if u.added or u.dropped:
                console.print("    parameters: " + ", ".join([*(f"+{p} (its default)" for p in u.added),
                                                             *(f"-{p} (dropped)" for p in u.dropped)]))
            for change in u.changes:
                console.print(f"    {change.line()}")
                for detail in change.details:
                    console.print(f"        {detail}")
            if u.skipped:
                console.print(f"    skipped: {u.skipped}")
    everything = [u for upgrades in plans.values() for u in upgrades]
    if not everything:
        console.print("upgrade: every project made from this catalog runs its product's current version")
        return
    changes = [c for u in everything if u.pending for c in u.changes]
    replaced = sum(c.action == "Modify" and c.replacement == "True" for c in changes)
    console.print(f"\nupgrade: {sum(u.pending for u in everything)} project(s) to upgrade, "
                  f"{sum(bool(u.skipped) for u in everything)} skipped; {sum(c.action == 'Add' for c in changes)} to add, "
                  f"{sum(c.action == 'Modify' for c in changes) - replaced} to change, {replaced} to replace, "
                  f"{sum(c.action == 'Remove' for c in changes)} to remove")


def _upgrade_summary(args, plans: dict, answer, log, seconds: float, console: Console) -> int:
    everything = [u for upgrades in plans.values() for u in upgrades]
    failed = [u for u in everything if u.outcome.startswith("failed")]
    summary = log.summary()
    console.print(f"upgrade: {sum(u.outcome == 'upgraded' for u in everything)} upgraded, {len(failed)} failed, "
                  f"{sum(bool(u.skipped) for u in everything)} skipped; {summary['total']} AWS calls "
                  f"({summary['writes']} writes) in {seconds:.2f}s")
    if args.output == "json":
        _emit_json({"projects": [{"region": region, **u.as_dict()} for region, upgrades in plans.items() for u in upgrades],
                    "calls": summary, "declined": answer is False, "applied": answer is True})
    if answer is False:
        console.print("upgrade: not confirmed; nothing changed")
        return EXIT_DECLINED
    if args.detailed_exitcode:
        return EXIT_CHANGES_PENDING if any(u.pending for u in everything) else EXIT_OK
    return EXIT_FAILED if failed or any(u.skipped for u in everything) else EXIT_OK


def _upgrade_interrupted(plans: dict) -> int:
    everything = [u for upgrades in plans.values() for u in upgrades]
    done = [u.name for u in everything if u.outcome == "upgraded"]
    under_way = [u.name for u in everything if u.outcome == "updating"]
    err.print("interrupted: " + (f"upgraded {', '.join(done)}" if done else "no project upgraded")
              + (f"; the update of {', '.join(under_way)} continues in AWS: `publish.py projects` shows where it stands"
                 if under_way else ""))
    return EXIT_INTERRUPTED


def _key_values(pairs) -> dict[str, str]:
    values = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"--parameter {pair!r}: expected KEY=VALUE")
        values[key] = value
    return values


def cmd_demo(args) -> int:
    from products.demo.run import main as demo_main

    try:
        return EXIT_OK if demo_main(say=out.print, scenario=args.scenario) == 0 else EXIT_FAILED
    except KeyboardInterrupt:
        err.print("interrupted: demo stopped; its emulator and temporary files are removed, nothing outside them changed")
        return EXIT_INTERRUPTED


def cmd_accept(args) -> int:
    """The acceptance run: say what it creates and costs, ask once, run the flow, clean up, report."""
    from dataclasses import replace

    from products.demo.acceptance import Refused, preflight, run_acceptance, this_account_only
    from products.demo.acceptance_plan import statement
    from products.demo.context import AWS_WAITS

    config = load_config(args.config, PRODUCTS)
    if args.region and len(args.region) > 1:
        raise BadInput("--region: the acceptance run acts in one region; give --region once")
    aws = _sessions(args, config)[0]
    console = _progress(args)
    try:
        sandbox = preflight(aws, config, _domain_id(args, config, ()))
    except Refused as refused:
        err.print(f"accept: {refused}; nothing changed")
        return EXIT_FAILED
    config = this_account_only(config, sandbox.domain_id)  # rendered as published: no other account allowed
    catalog = synthesize(config)
    for line in statement(sandbox, catalog, config):
        console.print(line)
    if not _ask(args, console, f"Run the acceptance test in account {sandbox.account} ({sandbox.region}), creating "
                               "and then deleting all of the above?"):
        console.print("accept: not confirmed; nothing created")
        return EXIT_DECLINED
    started = time.perf_counter()
    waits = AWS_WAITS if args.poll_seconds is None else replace(AWS_WAITS, poll=args.poll_seconds)
    outcome = run_acceptance(aws, config, sandbox, catalog, say=console.print, waits=waits)
    return _acceptance_report(args, sandbox, outcome, time.perf_counter() - started, console)


def _acceptance_report(args, sandbox, outcome, seconds: float, console: Console) -> int:
    """What ran and how long, how it ended, and what (if anything) is left; the exit code."""
    console.print(f"\naccept: {len(outcome.result.durations)} steps in {seconds / 60:.1f} min, account {sandbox.account}")
    for title, step_seconds in outcome.result.durations.items():
        console.print(f"  {step_seconds:8.1f}s  {title}")
    ended = ("interrupted" if outcome.interrupted else f"failed at step {outcome.failure.step} ({outcome.failure.title})"
             if outcome.failure else "passed")
    console.print(f"accept: {ended}; " + ("not deleted, delete by hand: " + "; ".join(outcome.left) if outcome.left
                                          else "everything it created is deleted"))
    if args.output == "json":
        _emit_json({"account": sandbox.account, "region": sandbox.region, "result": ended, "seconds": round(seconds, 1),
                    "steps": [{"title": title, "seconds": round(step_seconds, 2)}
                              for title, step_seconds in outcome.result.durations.items()],
                    "failure": outcome.failure and outcome.failure.reason,
                    "left": outcome.left, "mse": outcome.result.mse})
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if outcome.failure or outcome.left else EXIT_OK


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="publish.py",
        description=(
            "Build the catalog of SageMaker project templates (synth, lint, products) and publish it "
            "to Service Catalog and S3 (plan, publish, verify, destroy), create a project on the S3 route as "
            "Studio does (create-project), report the projects made from it (projects) and move them to the current "
            "version (upgrade), and run the whole flow in a "
            "sandbox account as an acceptance test (accept). AWS verbs use the usual boto3 credentials and honour "
            "AWS_ENDPOINT_URL."
        ),
        epilog="Exit codes: 0 success, 1 failed (lint findings, deployment, checks, AWS errors), "
        "2 bad input, 3 changes not confirmed (nothing changed), 4 changes pending (plan --detailed-exitcode), "
        "130 interrupted.",
    )
    verbs = main.add_subparsers(dest="verb", required=True, metavar="VERB")
    _offline_verbs(verbs)
    _demo_verb(verbs)
    _publish_verbs(verbs)
    _other_aws_verbs(verbs)
    _accept_verb(verbs)
    return main


def _verb(verbs, name, help_text, handler, needs_out=True):
    """An offline verb: it reads the configuration and, with ``needs_out``, a synth output directory."""
    sub = verbs.add_parser(name, help=help_text, description=help_text)
    sub.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG,
        help=f"catalog configuration file (default: {DEFAULT_CONFIG.name} next to publish.py)",
    )
    if needs_out:
        sub.add_argument("--out", type=Path, default=DEFAULT_OUT, help="synth output directory (default: build/)")
    sub.set_defaults(handler=handler, verb_parser=sub)
    return sub


def _aws_verb(verbs, name, help_text, handler,
              region_help="region to act in (repeatable; default: the configuration's regions)",
              poll_default: float | None = 5.0, poll_help="how often to poll CloudFormation while waiting"):
    """A verb that calls AWS: regions, profile, output format and polling."""
    sub = verbs.add_parser(name, help=help_text, description=help_text, prog=f"publish.py {name}")
    sub.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="catalog configuration file")
    sub.add_argument("--region", action="append", help=region_help)
    sub.add_argument("--profile", help="AWS profile (default: the usual boto3 lookup; AWS_ENDPOINT_URL is honoured)")
    sub.add_argument("--output", choices=["text", "json"], default="text",
                     help="json: a machine-readable result on stdout (progress and questions go to stderr)")
    sub.add_argument("--poll-seconds", type=float, default=poll_default, help=poll_help)
    sub.set_defaults(handler=handler, verb_parser=sub)
    return sub


def _domain_flag(sub, purpose):
    sub.add_argument("--domain-id", help=f"Studio domain id (d-...) {purpose} (default: publish.studio_domain_id)")


def _offline_verbs(verbs) -> None:
    synth = _verb(
        verbs, "synth",
        "Render every product template (and its YAML copy for the S3 route), portfolio.json, roles.json, the "
        "seed-code zips and manifest.json into --out, replacing it as a whole. Deterministic: same input, same bytes.",
        cmd_synth,
    )
    synth.add_argument("--golden", action="store_true",
                       help="render the golden files (what templates/ holds, `make templates`): each seed-code key is "
                            "a placeholder, so seed code never changes them; not for publishing")
    lint = _verb(
        verbs, "lint",
        "Run cfn-lint on every template of a synth output for the configured regions, in parallel; "
        "exit 1 on any error or warning. Results are cached by the template's hash, the regions and cfn-lint's "
        "version ($CATALOG_LINT_CACHE, default ~/.cache/sagemaker-catalog/lint): a changed template is always "
        "linted again, and a cached finding is reported as found.",
        cmd_lint,
    )
    lint.add_argument("--no-cache", action="store_true", help="lint every template again, ignoring cached results")
    _verb(verbs, "products", "List the products with their version and whether the configuration enables them.", cmd_products, needs_out=False)
    sub = _verb(verbs, "grants", "Print the grant matrix of a product that deploys staging and prod to other accounts: every call "
               "into another account, the caller's policy and the resource's policy that allow it, evaluated on the "
               "rendered templates for sample accounts; exit 1 if either side of a call is missing.", cmd_grants,
               needs_out=False)
    sub.add_argument("--product", default="build-train-deploy", help="the product (default: build-train-deploy)")
    sub.add_argument("--output", choices=["text", "json"], default="text")


def _demo_verb(verbs) -> None:
    sub = verbs.add_parser(
        "demo",
        help="Walk the whole flow locally against an embedded AWS emulator (no AWS account; `make demo` sets it up).",
        description="Publish the catalog into an embedded AWS emulator, create a project, push, build and register "
        "a model, approve it, then (scenario endpoints) deploy staging, test it, deploy prod, or (scenario batch) "
        "score the batch input at approval and again as the schedule would, or (scenario monitor) deploy, point the "
        "drift monitor at prod, feed it drifted requests and show drift starting one retrain per cooldown; summarize. Exits 1 naming the failing step.",
    )
    sub.add_argument("--scenario", choices=["endpoints", "batch", "monitor", "accounts"], default="endpoints",
                     help="endpoints: product build-train-deploy (default); batch: product build-train-batch; "
                          "monitor: product build-train-deploy-monitor, up to drift starting a retrain; accounts: build-train-deploy "
                          "with staging and prod in two other emulated accounts")
    sub.set_defaults(handler=cmd_demo, verb_parser=sub)


def _publish_verbs(verbs) -> None:
    for name, help_text, handler in (
        ("plan", "Show everything publish would change in every region (bucket settings, uploads, each stack's "
                 "resources with property and IAM statement changes, the target-account stacks and stack set, "
                 "portfolio shares, the S3 route, and each member account's copy) with totals; changes nothing "
                 "(change sets are created to compute stack changes, then deleted).", cmd_plan),
        ("publish", "Plan every region as `plan` does, show it with totals, ask once (--yes, or y on standard input), "
                    "then apply: bucket settings, content-hashed uploads, the target accounts' roles (stacks, stack "
                    "set), roles stack, portfolio stack (never after a failed roles stack), shares, the S3 route; "
                    "then each member account's copy. Nothing is written before the answer.", cmd_publish),
    ):
        sub = _aws_verb(verbs, name, help_text, handler)
        sub.add_argument("--target", choices=sorted(TARGET_CHOICES), help="route(s) to publish (default: publish.targets)")
        _domain_flag(sub, "the S3 route tags")
        if name == "publish":
            sub.add_argument("--yes", action="store_true", help="apply without asking")
        else:
            sub.add_argument("--detailed-exitcode", action="store_true",
                             help="exit 4 when changes are pending, 0 when everything is up to date (for CI)")


def _other_aws_verbs(verbs) -> None:
    for name, extra in (("verify", ""), ("doctor", " (alias of verify)")):
        sub = _aws_verb(
            verbs, name, "Check what makes templates invisible or unusable in Studio and say how to fix each; every check "
                  "passes, fails or is 'not checked' (the endpoint lacks the API)" + extra + ".", cmd_verify,
        )
        sub.add_argument("--target", choices=sorted(TARGET_CHOICES), help="route(s) to check (default: publish.targets)")
        _domain_flag(sub, "whose execution roles must see the templates")
    sub = _aws_verb(
        verbs, "create-project",
        "Create a SageMaker project on the S3 route as Studio does: a CreateProject request naming the "
        "published YAML template, its parameters and the S3 launch role (validated against SageMaker's API "
        "model before it is sent), then wait until its stack is created, or say why it failed.", cmd_create_project,
    )
    sub.add_argument("name", help="the project name (1-32 letters, digits and hyphens)")
    sub.add_argument("--product", required=True, help="the template (a product of the catalog, e.g. build-train-deploy)")
    sub.add_argument("--parameter", action="append", metavar="KEY=VALUE",
                     help="a template parameter Studio would ask for (repeatable); SageMaker fills in the project name and id")
    _aws_verb(
        verbs, "projects",
        "List the SageMaker projects made from this catalog's products (both routes), with the version each runs, "
        "its status and last update, and which run an older version than the catalog's current one.", cmd_projects,
    )
    _upgrade_verb(verbs)
    sub = _aws_verb(verbs, "destroy", "Remove what publish created, here and in publish.member_accounts: the portfolio's shares "
                              "and stack, and on request the roles stack, the buckets and the Studio domain's "
                              "S3-templates tag pointing at them. The target accounts' roles are left: projects may "
                              "still deploy with them.", cmd_destroy)
    _domain_flag(sub, "whose S3-templates tag --buckets removes")
    sub.add_argument("--roles", action="store_true", help="also delete the roles stack")
    sub.add_argument("--buckets", action="store_true", help="also empty and delete the asset bucket")
    sub.add_argument("--yes", action="store_true", help="delete without asking")


def _upgrade_verb(verbs) -> None:
    sub = _aws_verb(
        verbs, "upgrade",
        "Move the projects made from this catalog (both routes, every region given and member account) that run an "
        "older version of their product to its current one. Plans each project from a change set of its stack (resources added, changed, replaced, removed, "
        "with property diffs), carrying its parameter values over (a new parameter takes its default); skips, with one "
        "line, a project whose update would replace or remove its bucket, repositories, model package group, artifact "
        "key or endpoint cleanup, or drop a parameter it set (unless --allow-replace), or that needs a value for a "
        "parameter. Shows everything with totals, "
        "asks once (--yes, or y on standard input), then updates each project through SageMaker's UpdateProject and "
        "reports each; a failed update is rolled back by CloudFormation and the others go on (exit 1).",
        cmd_upgrade,
    )
    sub.add_argument("--project", action="append", metavar="NAME", help="only this project (repeatable)")
    sub.add_argument("--product", action="append", metavar="NAME", help="only projects of this product (repeatable)")
    sub.add_argument("--parameter", action="append", metavar="PROJECT:NAME=VALUE",
                     help="a value for a parameter the new version adds without a default (repeatable)")
    sub.add_argument("--allow-replace", action="store_true",
                     help="upgrade projects whose update replaces or removes a bucket, repository, model package group, "
                          "artifact key or endpoint cleanup, or drops a parameter they set (what it held is lost)")
    sub.add_argument("--yes", action="store_true", help="apply without asking")
    sub.add_argument("--detailed-exitcode", action="store_true",
                     help="plan only: exit 4 when a project would be upgraded, 0 when none (for CI)")


def _accept_verb(verbs) -> None:
    sub = _aws_verb(
        verbs, "accept",
        "Acceptance test in a sandbox account (the one the credentials name): publish the catalog there, create a "
        "project on each route, push to the model-build repository, follow each pipeline with progress, approve "
        "the model and the prod gate, check both endpoints answer, delete the projects and everything publishing "
        "created, and report each step's duration. It says what it will create and a rough cost, then asks once "
        "(--yes, or y on standard input); it refuses where the catalog is already published. On a failure or "
        "Ctrl-C it still deletes what it created, and names anything it could not. About an hour in AWS.",
        cmd_accept, region_help="the region to run in (default: the configuration's first region)",
        poll_default=None, poll_help="how often to poll AWS while waiting (default: 15, the acceptance run's own "
                                     "pace for an hour of CodePipeline, SageMaker and CloudFormation)",
    )
    sub.add_argument("--domain-id", help="Studio domain id (d-...) the S3 route tags (default: "
                                         "publish.studio_domain_id, else the account's only domain)")
    sub.add_argument("--yes", action="store_true", help="run without asking")


def main(argv=None) -> int:
    try:
        main_parser = parser()
        args, unknown = main_parser.parse_known_args(argv)
        if unknown:  # the verb's own usage, not the top level's: the flag belongs to a verb
            args.verb_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        return args.handler(args)
    except KeyboardInterrupt:
        err.print("interrupted: nothing applied")
        return EXIT_INTERRUPTED
    except (ConfigError, SynthError, BadInput) as error:
        err.print(f"error: {error}")
        return EXIT_BAD_INPUT
    except PublishError as error:
        err.print(f"error: {error}")
        return EXIT_FAILED
    except ClientError as error:
        err.print(f"error: AWS: {_one_line(error)}")
        return EXIT_FAILED
    except BotoCoreError as error:  # no credentials, an endpoint that stops answering mid-run, ...
        err.print(f"error: AWS: {error}")
        return EXIT_FAILED


def _one_line(error: ClientError) -> str:
    """An AWS error as one line: an endpoint lacking the API (moto answers with an HTML 500) says so."""
    operation = getattr(error, "operation_name", "the call")
    if lacks_api(error, os.environ.get("AWS_ENDPOINT_URL", "")):
        return f"the endpoint does not support {operation}"
    return " ".join(str(error).split())


if __name__ == "__main__":
    sys.exit(main())
