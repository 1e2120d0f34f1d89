#!/usr/bin/env python3
"""Build, check and publish the SageMaker project template catalog.

Exit codes: 0 success; 1 failed (lint findings, a failed deployment or check, an AWS
error); 2 bad input (command line, configuration file, missing synth output);
3 changes not confirmed (nothing was changed).
"""

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from products import PRODUCTS
from products.config import DEFAULT_CONFIG, ConfigError, load_config
from products.lint import lint_output
from botocore.exceptions import ClientError

from products.publishing.aws import Aws, CallLog, PublishError
from products.synth import SynthError, synthesize, write_output

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DECLINED = 0, 1, 2, 3
TARGET_CHOICES = {"servicecatalog": ("servicecatalog",), "s3": ("s3",), "both": ("servicecatalog", "s3")}
DEFAULT_OUT = Path("build")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def cmd_synth(args) -> int:
    started = time.perf_counter()
    config = load_config(args.config)
    artifacts = synthesize(config)
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
    config = load_config(args.config)
    files, findings = lint_output(args.out, config.regions)
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
    config = load_config(args.config)
    table = Table("product", "version", "in catalog", "description", box=None, pad_edge=False)
    for name, product in PRODUCTS.items():
        table.add_row(name, product.version, "yes" if name in config.products else "no", product.description)
    out.print(table)
    return EXIT_OK


def _progress(args) -> Console:
    """Progress goes to stderr when stdout carries JSON."""
    return err if getattr(args, "output", "text") == "json" else out


def _regions(args, config) -> list[str]:
    return args.region or list(config.regions)


def _targets(args, config) -> tuple[str, ...]:
    return TARGET_CHOICES[args.target] if args.target else config.publish.targets


def _confirmer(args, console: Console):
    def confirm(stack: str, changes: list[str]) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            console.print(f"{stack}: not applied: confirmation needed; re-run with --yes")
            return False
        return input(f"Apply these {len(changes)} change(s) to {stack}? [y/N] ").strip().lower() in ("y", "yes")

    return confirm


def _emit_json(payload: dict) -> None:
    print(json.dumps(payload, indent=2, sort_keys=True, default=str))


def cmd_publish(args, apply: bool = True) -> int:
    from products.publishing.publisher import Options, publish_region

    started = time.perf_counter()
    config = load_config(args.config)
    artifacts = synthesize(config)
    console = _progress(args)
    log = CallLog()
    results = []
    for index, region in enumerate(_regions(args, config)):
        console.print(f"{'publish' if apply else 'plan'}: {region}")
        options = Options(
            apply=apply, targets=_targets(args, config), confirm=_confirmer(args, console),
            say=console.print, poll_seconds=args.poll_seconds, roles_here=index == 0,
        )
        result = publish_region(Aws(region, args.profile, log), config, artifacts, options)
        results.append(result)
        for stack in result.stacks:
            console.print(f"  stack {stack['stack']}: {stack['action']}")
        verb = "to upload" if not apply else "uploaded"
        console.print(f"  {len(result.uploaded)} artifact(s) {verb}, {len(result.unchanged)} unchanged in s3://{result.bucket}")
        console.print(f"{region}: " + ("up to date" if result.up_to_date else ("changes planned" if not apply else "published")))
    declined = any(s["action"] == "declined" for r in results for s in r.stacks)
    summary = log.summary()
    console.print(
        f"{'publish' if apply else 'plan'}: {summary['total']} AWS calls "
        f"({summary['writes']} writes) in {time.perf_counter() - started:.2f}s"
    )
    if args.output == "json":
        _emit_json({"regions": [r.as_dict() for r in results], "calls": summary, "declined": declined})
    return EXIT_DECLINED if declined else EXIT_OK


def cmd_plan(args) -> int:
    return cmd_publish(args, apply=False)


def cmd_verify(args) -> int:
    from products.publishing.doctor import verify_region

    config = load_config(args.config)
    console = _progress(args)
    everything = []
    for region in _regions(args, config):
        checks = verify_region(Aws(region, args.profile), config, _targets(args, config), args.domain_id or config.publish.studio_domain_id)
        everything.extend({"region": region, **c.as_dict()} for c in checks)
        for check in checks:
            console.print(f"{'ok  ' if check.ok else 'FAIL'} {region} {check.name}: {check.detail}" + ("" if check.ok else f"\n     fix: {check.fix}"))
    failed = [c for c in everything if not c["ok"]]
    console.print(f"verify: {len(everything) - len(failed)} ok, {len(failed)} failed")
    if args.output == "json":
        _emit_json({"checks": everything, "failed": len(failed)})
    return EXIT_FAILED if failed else EXIT_OK


def cmd_destroy(args) -> int:
    from products.publishing.publisher import destroy_region

    config = load_config(args.config)
    console = _progress(args)
    what = [config.publish.portfolio_stack] + ([config.publish.roles_stack] if args.roles else [])
    what += ["the asset bucket and every object version in it"] if args.buckets else []
    regions = _regions(args, config)
    if not args.yes:
        question = f"Delete {', '.join(what)} in {', '.join(regions)}? [y/N] "
        if not sys.stdin.isatty() or input(question).strip().lower() not in ("y", "yes"):
            console.print("destroy: not confirmed; nothing deleted (re-run with --yes)")
            return EXIT_DECLINED
    removed = {}
    for region in regions:
        removed[region] = destroy_region(Aws(region, args.profile), config, args.roles, args.buckets, console.print, args.poll_seconds)
        console.print(f"{region}: removed " + (", ".join(removed[region]) or "nothing (nothing was there)"))
    if args.output == "json":
        _emit_json({"removed": removed})
    return EXIT_OK


def cmd_demo(args) -> int:
    from products.demo import main as demo_main

    return EXIT_OK if demo_main(say=out.print) == 0 else EXIT_FAILED


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="publish.py",
        description=(
            "Build the catalog of SageMaker project templates (synth, lint, products) and publish it "
            "to Service Catalog and S3 (plan, publish, verify, destroy). AWS verbs use the usual "
            "boto3 credentials and honour AWS_ENDPOINT_URL."
        ),
        epilog="Exit codes: 0 success, 1 failed (lint findings, deployment, checks, AWS errors), "
        "2 bad input, 3 changes not confirmed.",
    )
    verbs = main.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name, help_text, handler, needs_out=True):
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--config", type=Path, default=DEFAULT_CONFIG,
            help=f"catalog configuration file (default: {DEFAULT_CONFIG.name} next to publish.py)",
        )
        if needs_out:
            sub.add_argument("--out", type=Path, default=DEFAULT_OUT, help="synth output directory (default: build/)")
        sub.set_defaults(handler=handler)
        return sub

    verb(
        "synth",
        "Render every product template, portfolio.json, roles.json, the seed-code zips and "
        "manifest.json into --out, replacing it as a whole. Deterministic: same input, same bytes.",
        cmd_synth,
    )
    verb(
        "lint",
        "Run cfn-lint on every template of a synth output for the configured regions; "
        "exit 1 on any error or warning.",
        cmd_lint,
    )
    verb("products", "List the products with their version and whether the configuration enables them.", cmd_products, needs_out=False)
    sub = verbs.add_parser(
        "demo",
        help="Walk the whole flow locally against an embedded AWS emulator (needs the seed repos' environments: `make demo`).",
        description="Publish the catalog into an embedded AWS emulator, create a project, push, build and register "
        "a model, approve it, deploy staging, test it, deploy prod, and summarize; exits 1 naming the failing step.",
    )
    sub.set_defaults(handler=cmd_demo)

    def aws_verb(name, help_text, handler, aliases=()):
        sub = verbs.add_parser(name, help=help_text, description=help_text, aliases=list(aliases))
        sub.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="catalog configuration file")
        sub.add_argument("--region", action="append", help="region to act in (repeatable; default: the configuration's regions)")
        sub.add_argument("--profile", help="AWS profile (default: the usual boto3 lookup; AWS_ENDPOINT_URL is honoured)")
        sub.add_argument("--output", choices=["text", "json"], default="text", help="json: a machine-readable result on stdout")
        sub.add_argument("--poll-seconds", type=float, default=5.0, help="how often to poll CloudFormation while waiting")
        sub.set_defaults(handler=handler)
        return sub

    for name, help_text, handler in (
        ("plan", "Show what publish would change, per artifact and per stack, without changing anything "
                 "(change sets are created to show stack changes, then deleted).", cmd_plan),
        ("publish", "Publish the catalog: asset bucket, content-hashed uploads, roles stack, portfolio stack "
                    "through a change set (shown, then applied on --yes or confirmation), the S3 route.", cmd_publish),
    ):
        sub = aws_verb(name, help_text, handler)
        sub.add_argument("--target", choices=sorted(TARGET_CHOICES), help="route(s) to publish (default: publish.targets)")
        if name == "publish":
            sub.add_argument("--yes", action="store_true", help="apply changes without asking")
    sub = aws_verb(
        "verify", "Check what makes templates invisible or unusable in Studio and say how to fix each.", cmd_verify,
        aliases=("doctor",),
    )
    sub.add_argument("--target", choices=sorted(TARGET_CHOICES), help="route(s) to check (default: publish.targets)")
    sub.add_argument("--domain-id", help="Studio domain whose execution roles must see the templates")
    sub = aws_verb("destroy", "Remove what publish created: the portfolio stack, and on request the roles stack and buckets.", cmd_destroy)
    sub.add_argument("--roles", action="store_true", help="also delete the roles stack")
    sub.add_argument("--buckets", action="store_true", help="also empty and delete the asset bucket")
    sub.add_argument("--yes", action="store_true", help="delete without asking")
    return main


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, SynthError) as error:
        err.print(f"error: {error}")
        return EXIT_BAD_INPUT
    except PublishError as error:
        err.print(f"error: {error}")
        return EXIT_FAILED
    except ClientError as error:
        err.print(f"error: AWS: {error}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
