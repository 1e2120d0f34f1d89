#!/usr/bin/env python3
"""Build and check the SageMaker project template catalog.

Exit codes: 0 success; 1 the check failed (lint findings); 2 bad input (command line,
configuration file, missing synth output).
"""

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from products import PRODUCTS
from products.config import DEFAULT_CONFIG, ConfigError, load_config
from products.lint import lint_output
from products.synth import SynthError, synthesize, write_output

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
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


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="publish.py",
        description=(
            "Build the catalog of SageMaker project templates: render the CloudFormation "
            "templates and seed-code zips, check them with cfn-lint, list the products."
        ),
        epilog="Exit codes: 0 success, 1 check failed (lint findings), 2 bad input.",
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
    return main


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, SynthError) as error:
        err.print(f"error: {error}")
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
