"""cfn-lint, in process, over every synthesized template.

Any error or warning fails the lint: templates reach Service Catalog users who cannot
fix them. Informational findings are not reported.

Templates are linted in parallel, one process per core, and each result is cached under
the hash of what decides it: the template's bytes, the regions, cfn-lint's version and this
module's options. A changed template is always linted again, and a cached result holds the
findings as found, so the cache never hides one.
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from products.render.synth import read_output

REPORTED_SEVERITIES = ("error", "warning")
# Where results are kept: $CATALOG_LINT_CACHE, else ~/.cache/sagemaker-catalog/lint.
DEFAULT_CACHE = Path.home() / ".cache" / "sagemaker-catalog" / "lint"


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    rule: str
    severity: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule} ({self.severity}) at {self.where}: {self.message}"


def lint_template(text: str, name: str, regions: list[str]) -> list[Finding]:
    from cfnlint.api import lint  # imported here: it takes a third of a second, and most commands never lint

    findings = []
    for match in lint(text, regions=list(regions)):
        if match.rule.severity not in REPORTED_SEVERITIES:
            continue
        findings.append(
            Finding(
                file=name,
                line=match.linenumber,
                rule=match.rule.id,
                severity=match.rule.severity,
                where="/".join(str(part) for part in match.path) or "(template)",
                message=match.message,
            )
        )
    return findings


def cache_key(text: str, regions: list[str]) -> str:
    """The hash of everything a template's lint result depends on."""
    from importlib.metadata import version  # cfn-lint's own package would import all of cfn-lint first

    decided_by = {"cfn-lint": version("cfn-lint"), "regions": sorted(regions), "severities": REPORTED_SEVERITIES,
                  "template": hashlib.sha256(text.encode()).hexdigest()}
    return hashlib.sha256(json.dumps(decided_by, sort_keys=True).encode()).hexdigest()


def _cache_dir() -> Path:
    return Path(os.environ.get("CATALOG_LINT_CACHE") or DEFAULT_CACHE)


def _cached(key: str) -> list[Finding] | None:
    try:
        return [Finding(**row) for row in json.loads((_cache_dir() / f"{key}.json").read_text())]
    except (OSError, ValueError, TypeError):
        return None  # absent or unreadable: lint again


def _remember(key: str, findings: list[Finding]) -> None:
    directory = _cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / f".{key}.{os.getpid()}"
        temporary.write_text(json.dumps([asdict(finding) for finding in findings]))
        temporary.replace(directory / f"{key}.json")  # whole or not at all, for a parallel lint beside it
    except OSError:
        pass  # a cache that cannot be written only costs time


def lint_templates(templates: dict[str, str], regions: list[str], use_cache: bool = True) -> list[Finding]:
    """Findings of each ``{name: text}``, in the order given; uncached ones linted in parallel."""
    keys = {name: cache_key(text, regions) for name, text in templates.items()}
    results = {name: _cached(keys[name]) for name in templates} if use_cache else dict.fromkeys(templates)
    missing = [name for name, found in results.items() if found is None]
    if len(missing) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(len(missing), os.cpu_count() or 1)) as pool:
            linted = pool.map(lint_template, [templates[n] for n in missing], missing, [list(regions)] * len(missing))
            results.update(zip(missing, linted))
    else:
        results.update({name: lint_template(templates[name], name, regions) for name in missing})
    for name in missing:
        _remember(keys[name], results[name])
    return [finding for name in templates for finding in results[name]]


def lint_output(out_dir: Path, regions: list[str], use_cache: bool = True) -> tuple[list[str], list[Finding]]:
    """Lint every template listed in a synth output; returns (files linted, findings)."""
    templates = {artifact.path: artifact.data.decode("utf-8") for artifact in read_output(out_dir).templates}
    return list(templates), lint_templates(templates, regions, use_cache)
