"""cfn-lint: every synthesized template is clean, and the lint really reports problems."""

import json

import pytest

from products.render.lint import lint_template


@pytest.mark.parametrize("catalog", ["artifacts", "artifacts_with_accounts"])
def test_every_template_is_clean(catalog, config, request):
    """As catalog.yaml renders it (no target accounts), and as a catalog with target accounts does (the products'
    account parameters, key and cross-account grants)."""
    templates = request.getfixturevalue(catalog).templates
    assert {a.kind for a in templates} == {"product-template", "portfolio", "roles", "target-account"}
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


def test_lint_results_are_cached_by_content_and_a_cached_finding_is_still_reported(tmp_path, monkeypatch):
    from products.render import lint

    monkeypatch.setenv("CATALOG_LINT_CACHE", str(tmp_path / "cache"))
    clean = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}, indent=2)
    unused = json.dumps({"Parameters": {"Unused": {"Type": "String"}},
                         "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}, indent=2)
    first = lint.lint_templates({"clean.json": clean, "unused.json": unused}, ["us-east-1"])
    assert [f.rule for f in first] == ["W2001"]

    def must_not_lint(*args):
        raise AssertionError("a cached template was linted again")

    monkeypatch.setattr(lint, "lint_template", must_not_lint)
    assert lint.lint_templates({"clean.json": clean, "unused.json": unused}, ["us-east-1"]) == first
    with pytest.raises(AssertionError, match="linted again"):  # another region, or a changed template: a new key
        lint.lint_templates({"clean.json": clean}, ["eu-west-1"])
    with pytest.raises(AssertionError, match="linted again"):
        lint.lint_templates({"clean.json": clean + "\n"}, ["us-east-1"])
    with pytest.raises(AssertionError, match="linted again"):
        lint.lint_templates({"clean.json": clean}, ["us-east-1"], use_cache=False)
