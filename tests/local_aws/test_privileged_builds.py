"""A privileged build (docker) does not run in the local AWS: it fails saying so, never passes."""

import pytest

from products.local_aws import codebuild_builds


def test_a_privileged_build_is_refused_naming_what_is_not_emulated(tmp_path):
    metadata = {"name": "sagemaker-abalone-p-1-imagebuild", "serviceRole": "arn:aws:iam::123456789012:role/x",
                "environment": {"privilegedMode": True, "environmentVariables": []}}
    (tmp_path / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands:\n      - docker build .\n")
    with pytest.raises(codebuild_builds.BuildRefused, match="not emulated: a privileged build"):
        codebuild_builds.run_in("http://127.0.0.1:1", "us-east-1", metadata, [], tmp_path / "buildspec.yml", tmp_path)
