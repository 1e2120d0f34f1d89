"""cfn-lint: every synthesized template is clean, and the lint really reports problems."""

import json

import pytest

from products.render.lint import TEMPLATE_KINDS, lint_template


def test_every_template_is_clean(artifacts, config):
    templates = [a for a in artifacts if a.kind in TEMPLATE_KINDS]
    assert {a.kind for a in templates} == set(TEMPLATE_KINDS)
    for artifact in templates:
        findings = lint_template(artifact.data.decode(), artifact.path, config.regions)
        assert findings == [], "\n".join(map(str, findings))


@pytest.mark.parametrize(
    "mutation, rule",
    [
        (lambda t: t["Resources"]["ArtifactBucket"]["Properties"].update(BucketName="Not_A_Bucket"), "E"),
        (lambda t: t["Parameters"].update(Unused={"Type": "String"}), "W2001"),
    ],
)
def test_lint_reports_errors_and_warnings(product_template, mutation, rule):
    broken = json.loads(json.dumps(product_template))
    mutation(broken)
    findings = lint_template(json.dumps(broken, indent=2), "broken.json", ["us-east-1"])
    assert any(f.rule.startswith(rule) for f in findings), findings
    assert all(f.file == "broken.json" and f.line > 0 for f in findings)
