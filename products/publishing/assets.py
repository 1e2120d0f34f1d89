"""The asset bucket: where product templates and seed-code zips live, keyed by content.

Every setting is checked with a read before anything is written, so a bucket left half
configured by an interrupted run is completed by the next one, and a bucket that is
already right costs no write at all.
"""

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from products.publishing.aws import Aws, PublishError, error_code, fill_pseudo_parameters
from products.render.synth import Artifact

TLS_STATEMENT_ID = "DenyInsecureTransport"
STUDIO_ORIGIN = "https://*.sagemaker.aws"
CONTENT_TYPES = {".json": "application/json", ".zip": "application/zip", ".yaml": "application/yaml"}


def studio_template_key(config, product: str) -> str:
    """Where the S3 route offers a product's template (one key per product, replaced by each publish)."""
    return f"{config.publish.s3_templates_prefix}/{product}.yaml"


def bucket_name(pattern: str, account: str, region: str) -> str:
    """The asset bucket's name here (the configuration allows only the account and region in it)."""
    return fill_pseudo_parameters(pattern, account, region, partition="")


def tls_only_policy(bucket: str, partition: str = "aws") -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": TLS_STATEMENT_ID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })


CORS_RULES = [{"AllowedOrigins": [STUDIO_ORIGIN], "AllowedMethods": ["GET", "HEAD"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]


@dataclass
class AssetBucket:
    aws: Aws
    name: str
    account: str

    @property
    def s3(self):
        return self.aws.client("s3")

    def exists(self) -> bool:
        try:
            self.s3.head_bucket(Bucket=self.name, ExpectedBucketOwner=self.account)
            return True
        except ClientError as error:
            if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                return False
            if error_code(error) in ("403", "AccessDenied"):
                raise PublishError(
                    f"bucket {self.name} exists but is not this account's ({self.account}): choose another assets.bucket"
                ) from None
            raise

    def missing_settings(self, cors: bool) -> list[str]:
        """What the bucket lacks, found with reads only (everything when it does not exist)."""
        wanted = ["bucket", "encryption", "versioning", "public access block", "TLS-only policy"] + (["CORS for Studio"] if cors else [])
        if not self.exists():
            return wanted
        missing = []
        if not self._has(lambda: self.s3.get_bucket_encryption(Bucket=self.name), "ServerSideEncryptionConfigurationNotFoundError"):
            missing.append("encryption")
        if self.s3.get_bucket_versioning(Bucket=self.name).get("Status") != "Enabled":
            missing.append("versioning")
        block = self._has(lambda: self.s3.get_public_access_block(Bucket=self.name), "NoSuchPublicAccessBlockConfiguration")
        if not block or not all(block["PublicAccessBlockConfiguration"].values()):
            missing.append("public access block")
        policy = self._has(lambda: self.s3.get_bucket_policy(Bucket=self.name), "NoSuchBucketPolicy")
        if not policy or TLS_STATEMENT_ID not in policy["Policy"]:
            missing.append("TLS-only policy")
        if cors:
            rules = self._has(lambda: self.s3.get_bucket_cors(Bucket=self.name), "NoSuchCORSConfiguration")
            if not rules or not any(STUDIO_ORIGIN in r.get("AllowedOrigins", []) for r in rules["CORSRules"]):
                missing.append("CORS for Studio")
        return missing

    @staticmethod
    def _has(read, missing_code: str):
        try:
            return read()
        except ClientError as error:
            if error_code(error) == missing_code:
                return None
            raise

    def ensure(self, missing: list[str], say, done=lambda setting: None) -> None:
        """Create and configure what ``missing_settings`` found missing (the plan's list, applied as shown);
        ``done(setting)`` after each, so a caller can say exactly how far it got."""
        actions = {
            "bucket": self._create,
            "encryption": lambda: self.s3.put_bucket_encryption(
                Bucket=self.name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]
                },
            ),
            "versioning": lambda: self.s3.put_bucket_versioning(
                Bucket=self.name, VersioningConfiguration={"Status": "Enabled"}
            ),
            "public access block": lambda: self.s3.put_public_access_block(
                Bucket=self.name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
                },
            ),
            "TLS-only policy": lambda: self.s3.put_bucket_policy(
                Bucket=self.name, Policy=tls_only_policy(self.name, self.aws.session.get_partition_for_region(self.aws.region))
            ),
            "CORS for Studio": lambda: self.s3.put_bucket_cors(Bucket=self.name, CORSConfiguration={"CORSRules": CORS_RULES}),
        }
        for setting in missing:
            say(f"  asset bucket {self.name}: {'creating' if setting == 'bucket' else 'setting ' + setting}")
            actions[setting]()
            done(setting)

    def _create(self):
        arguments = {"Bucket": self.name}
        if self.aws.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.aws.region}
        self.s3.create_bucket(**arguments)

    def stored_sha256(self, key: str) -> str | None:
        try:
            return self.s3.head_object(Bucket=self.name, Key=key, ExpectedBucketOwner=self.account)["Metadata"].get("sha256")
        except ClientError as error:
            if error_code(error) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def keys(self, prefix: str) -> list[str]:
        """The keys under ``prefix`` (current versions)."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix, ExpectedBucketOwner=self.account)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def remove(self, key: str) -> None:
        """Delete ``key`` (in a versioned bucket: a delete marker; earlier versions stay)."""
        self.s3.delete_object(Bucket=self.name, Key=key, ExpectedBucketOwner=self.account)

    def needs_upload(self, key: str, sha256: str) -> bool:
        return self.stored_sha256(key) != sha256

    def upload(self, key: str, artifact: Artifact, tags: dict | None = None) -> None:
        suffix = "." + artifact.path.rsplit(".", 1)[-1]
        arguments = {
            "Bucket": self.name,
            "Key": key,
            "Body": artifact.data,
            "ContentType": CONTENT_TYPES.get(suffix, "application/octet-stream"),
            "Metadata": {"sha256": artifact.sha256},
            "ExpectedBucketOwner": self.account,
        }
        if tags:
            arguments["Tagging"] = "&".join(f"{k}={v}" for k, v in tags.items())
        self.s3.put_object(**arguments)


def delete_bucket(s3, bucket: str, account: str) -> bool:
    """Every object version and delete marker, then the bucket; False if there was no such bucket."""
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=bucket, ExpectedBucketOwner=account)
    except s3.exceptions.NoSuchBucket:
        return False
    return True
