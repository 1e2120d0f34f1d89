"""The one publishing path (products/publishing/publication.py): plan all, show, ask once, apply, clean up;
and an interrupted publish names every write that happened, leaving no bucket without its settings.

moto in this process; Ctrl-C is a real SIGINT sent to this process from a botocore event hook at the
chosen call, as a user's Ctrl-C would arrive.
"""

import os
import signal

import boto3
import pytest
from moto import mock_aws

from products.local_aws.emulator import install_https_bucket_policies
from products.publishing.aws import Aws
from products.publishing.publication import Publication

SETTINGS = "bucket, encryption, versioning, public access block, TLS-only policy"


@pytest.fixture
def aws(aws_credentials):
    install_https_bucket_policies()
    with mock_aws():
        yield


def ctrl_c_after(session: Aws, event: str, times: list) -> None:
    """SIGINT to this process after the ``event`` call (``after-call.s3.CreateBucket``) of ``session``'s S3."""
    def interrupt(**_):
        times.append(1)
        os.kill(os.getpid(), signal.SIGINT)

    session.client("s3").meta.events.register(event, interrupt)


def bucket_settings(bucket: str, region: str) -> dict:
    s3 = boto3.client("s3", region_name=region)
    return {
        "encryption": s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0],
        "versioning": s3.get_bucket_versioning(Bucket=bucket)["Status"],
        "public access block": s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        "policy": bool(s3.get_bucket_policy(Bucket=bucket)["Policy"]),
    }


def test_plan_shows_then_asks_once_for_every_region(aws, config, artifacts):
    shown, asked = [], []
    regions = ("us-east-1", "eu-west-1")
    publication = Publication(config, [Aws(r) for r in regions], artifacts, ("servicecatalog",), say=lambda *_: None,
                              poll_seconds=0)
    publication.run(apply=True, ask=lambda question: asked.append((question, list(shown))) or False, show=shown.extend)
    assert [p.region for p in shown] == list(regions)
    assert asked == [("Apply these changes to us-east-1, eu-west-1?", shown)]  # once, after everything was shown
    assert publication.answer is False and publication.applied == []
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_ctrl_c_right_after_the_bucket_is_created_leaves_it_with_all_its_settings_and_says_so(aws, config, artifacts):
    session, interrupts = Aws("us-east-1"), []
    ctrl_c_after(session, "after-call.s3.CreateBucket", interrupts)
    publication = Publication(config, [session], artifacts, ("servicecatalog",), say=lambda *_: None, poll_seconds=0)
    with pytest.raises(KeyboardInterrupt):
        publication.run(apply=True, ask=lambda question: True)
    assert interrupts == [1]
    bucket = "sagemaker-catalog-123456789012-us-east-1"
    assert publication.applied == [f"us-east-1: asset bucket {bucket} ({SETTINGS})"]  # no upload began
    settings = bucket_settings(bucket, "us-east-1")
    assert settings["encryption"]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert settings["versioning"] == "Enabled" and settings["policy"]
    assert all(settings["public access block"].values())


def test_ctrl_c_in_the_second_region_names_both_regions_writes(aws, config, artifacts):
    first, second, interrupts = Aws("us-east-1"), Aws("eu-west-1"), []
    ctrl_c_after(second, "after-call.s3.PutBucketVersioning", interrupts)
    publication = Publication(config, [first, second], artifacts, ("servicecatalog",), say=lambda *_: None,
                              poll_seconds=0)
    with pytest.raises(KeyboardInterrupt):
        publication.run(apply=True, ask=lambda question: True)
    applied = publication.applied
    assert applied[0] == f"us-east-1: asset bucket sagemaker-catalog-123456789012-us-east-1 ({SETTINGS})"
    assert applied[-1] == f"eu-west-1: asset bucket sagemaker-catalog-123456789012-eu-west-1 ({SETTINGS})"
    assert all(bucket_settings("sagemaker-catalog-123456789012-eu-west-1", "eu-west-1").values())


def test_ctrl_c_between_uploads_counts_the_uploads_that_happened(aws, config, artifacts):
    session, interrupts = Aws("us-east-1"), []
    ctrl_c_after(session, "after-call.s3.PutObject", interrupts)
    publication = Publication(config, [session], artifacts, ("servicecatalog",), say=lambda *_: None, poll_seconds=0)
    with pytest.raises(KeyboardInterrupt):
        publication.run(apply=True, ask=lambda question: True)
    stored = boto3.client("s3").list_objects_v2(Bucket="sagemaker-catalog-123456789012-us-east-1")["KeyCount"]
    assert publication.applied[-1] == f"us-east-1: {stored} of {len(artifacts.uploads)} upload(s)"
    assert stored >= 1
