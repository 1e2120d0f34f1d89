"""Bad configuration: exit 2, one line naming the file, the field and what was expected, nothing written."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from products import PRODUCTS
from products.catalog.config import DEFAULT_CONFIG, ConfigError, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD = yaml.safe_load((REPO_ROOT / "catalog.yaml").read_text())


def _with(change):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    change(data)
    return yaml.safe_dump(data)


def _targets(*entries):
    return _with(lambda d: d.setdefault("publish", {}).update(target_accounts=list(entries)))


CASES = {
    "target-account-not-12-digits": (_targets({"account": "2222"}), "publish.target_accounts[0].account", "12-digit"),
    "target-role-of-another-account": (
        _targets({"account": "222222222222", "role": "arn:aws:iam::333333333333:role/Admin"}),
        "publish.target_accounts[0].role", "a role of account 222222222222"),
    "target-account-twice": (_targets({"account": "222222222222"}, {"account": "222222222222"}),
                             "publish.target_accounts", "each account once"),
    "unknown-product": (_with(lambda d: d["products"].update({"churn": {}})), "products.churn", "one of: build-train, build-train-batch, build-train-batch-git, build-train-deploy, build-train-deploy-git, build-train-deploy-github, build-train-deploy-monitor, build-train-deploy-monitor-git, build-train-git, deploy, deploy-git, image-build, image-build-git"),
    "invalid-yaml": ("regions: [us-east-1\nportfolio: {}\n", "line 2", "valid YAML"),
    "missing-display-name": (_with(lambda d: d["portfolio"].pop("display_name")), "portfolio.display_name", "non-empty string"),
    "missing-portfolio": (_with(lambda d: d.pop("portfolio")), "portfolio", "a mapping"),
    "unknown-field": (_with(lambda d: d["portfolio"].update(owner="me")), "portfolio.owner", "one of:"),
    "bad-region": (_with(lambda d: d.update(regions=["us-east"])), "regions[0]", "AWS region"),
    "no-regions": (_with(lambda d: d.update(regions=[])), "regions", "at least one region"),
    "bad-bucket": (_with(lambda d: d["assets"].update(bucket="My_Bucket")), "assets.bucket", "S3 bucket name"),
    "bad-principal": (_with(lambda d: d["portfolio"].update(principals=["role/x"])), "portfolio.principals[0]", "ARNs"),
    "pattern-with-account": (
        _with(lambda d: d["portfolio"].update(principals=["arn:aws:iam::123456789012:role/Exec-*"])),
        "portfolio.principals[0]", "without an account id",
    ),
    "exact-arn-without-account": (
        _with(lambda d: d["portfolio"].update(principals=["arn:aws:iam:::role/Exec"])),
        "portfolio.principals[0]", "with an account id",
    ),
    "bad-role-name": (_with(lambda d: d["roles"].update(launch="has space")), "roles.launch", "IAM role name"),
    "bad-enabled": (_with(lambda d: d["products"]["build-train-deploy"].update(enabled="yes")), "products.build-train-deploy.enabled", "true or false"),
    "none-enabled": (_with(lambda d: [p.update(enabled=False) for p in d["products"].values()]), "products", "at least one enabled product"),
    "tag-option-values": (_with(lambda d: d["portfolio"].update(tag_options={"team": "ml"})), "portfolio.tag_options.team", "a list of tag values"),
    "top-level-list": ("- a\n- b\n", "(top level)", "a mapping"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_load_config_names_file_field_and_expectation(tmp_path, name):
    text, field, expected = CASES[name]
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, PRODUCTS)
    message = str(raised.value)
    assert message.startswith(f"{path}: {field}: expected"), message
    assert expected in message and "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: \(file\): expected a readable YAML file"):
        load_config(tmp_path / "nope.yaml", PRODUCTS)


@pytest.mark.parametrize("name", ["unknown-product", "invalid-yaml", "missing-display-name"])
def test_cli_exits_2_with_one_line_and_writes_nothing(tmp_path, name):
    text, field, _ = CASES[name]
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "publish.py", "synth", "--config", str(path), "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and f"{path}: {field}: expected" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.yaml"]


def test_default_config_is_valid_and_enables_the_product():
    config = load_config(DEFAULT_CONFIG, PRODUCTS)
    assert config.products == (
        "build-train-deploy", "build-train-deploy-git", "build-train-deploy-github", "build-train", "build-train-git", "deploy", "deploy-git", "build-train-deploy-monitor", "build-train-deploy-monitor-git", "build-train-batch", "build-train-batch-git",
        "image-build", "image-build-git")
    assert config.portfolio.principals[0].type == "IAM_PATTERN"


def test_an_unknown_product_echoes_the_name_and_suggests_the_closest(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text((REPO_ROOT / "catalog.yaml").read_text().replace("  build-train-git:", "  buld-train-git:"))
    with pytest.raises(ConfigError) as raised:
        load_config(path, PRODUCTS)
    assert str(raised.value).endswith("got 'buld-train-git'; did you mean 'build-train-git'?")


def test_an_unknown_field_suggests_the_closest(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text((REPO_ROOT / "catalog.yaml").read_text().replace("  display_name:", "  display_nam:"))
    with pytest.raises(ConfigError, match=r"portfolio.display_nam: .*; did you mean 'display_name'\?$"):
        load_config(path, PRODUCTS)


@pytest.mark.parametrize("shift", ["   ", " "])
def test_a_block_whose_first_entry_is_misindented_is_reported_at_that_entry(tmp_path, shift):
    """YAML notices the mistake only at the next line (the entry's sibling); the error names the entry itself."""
    lines = (REPO_ROOT / "catalog.yaml").read_text().split("\n")
    wrong = next(number for number, line in enumerate(lines) if line.startswith("  display_name:"))
    lines[wrong] = shift + lines[wrong].lstrip()
    path = tmp_path / "catalog.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=rf": line {wrong + 1}: expected the indentation of the lines around it"):
        load_config(path, PRODUCTS)


def test_a_misindented_line_that_yaml_reports_itself_keeps_its_line(tmp_path):
    lines = (REPO_ROOT / "catalog.yaml").read_text().split("\n")
    wrong = next(number for number, line in enumerate(lines) if line.startswith("  provider_name:"))
    lines[wrong] = "   " + lines[wrong].lstrip()
    path = tmp_path / "catalog.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=rf": line {wrong + 1}: expected valid YAML"):
        load_config(path, PRODUCTS)


def test_the_accounts_projects_may_deploy_into_are_the_target_accounts_and_the_units_accounts_once_each():
    from dataclasses import replace

    from products.catalog.config import TargetAccount

    config = load_config(DEFAULT_CONFIG, PRODUCTS)
    assert config.publish.deploy_accounts == ()  # catalog.yaml names none
    publish = replace(config.publish, target_accounts=(TargetAccount("333333333333", "r"), TargetAccount("222222222222", "r")),
                      organization_accounts=("444444444444", "222222222222"))
    assert publish.deploy_accounts == ("222222222222", "333333333333", "444444444444")
