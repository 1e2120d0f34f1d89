"""cfn-lint, in process, over every synthesized template.

Any error or warning fails the lint: templates reach Service Catalog users who cannot
fix them. Informational findings are not reported.
"""

from dataclasses import dataclass
from pathlib import Path

from products.render.synth import read_manifest

TEMPLATE_KINDS = ("product-template", "portfolio", "roles", "target-account")


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
        if match.rule.severity not in ("error", "warning"):
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


def lint_output(out_dir: Path, regions: list[str]) -> tuple[list[str], list[Finding]]:
    """Lint every template listed in a synth output; returns (files linted, findings)."""
    files, findings = [], []
    for entry in read_manifest(out_dir):
        if entry["kind"] not in TEMPLATE_KINDS:
            continue
        path = Path(out_dir) / entry["path"]
        files.append(entry["path"])
        findings.extend(lint_template(path.read_text(encoding="utf-8"), entry["path"], regions))
    return files, findings
