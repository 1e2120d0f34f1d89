"""The project's artifact bucket."""

from awacs.aws import Action, Bool, Condition, Deny, PolicyDocument, Principal, Statement
from troposphere import Equals, GetAtt, If, NoValue, Not, Output, Parameter, Ref, Sub, Template, s3

from products.blocks.iam import POLICY_VERSION
from products.blocks.naming import project_tags

ACCESS_LOG_BUCKET_PARAMETER = "AccessLogBucket"
# Versioning keeps every overwritten object; these bound what that costs. Current objects
# never expire: registered model packages point at them.
NONCURRENT_VERSION_DAYS = 30
INCOMPLETE_UPLOAD_DAYS = 7
_ACCESS_LOGGING_ENABLED = "AccessLoggingEnabled"


def add_access_logging_parameter(template: Template) -> None:
    """Optional server access logging: empty (the default) turns it off."""
    template.add_parameter(
        Parameter(
            ACCESS_LOG_BUCKET_PARAMETER,
            Type="String",
            Default="",
            Description="Existing bucket for S3 server access logs of the artifact bucket; empty for none.",
        )
    )
    template.add_condition(_ACCESS_LOGGING_ENABLED, Not(Equals(Ref(ACCESS_LOG_BUCKET_PARAMETER), "")))


def tls_only_policy(bucket: s3.Bucket) -> PolicyDocument:
    """Deny every request to the bucket that does not use TLS."""
    return PolicyDocument(
        Version=POLICY_VERSION,
        Statement=[
            Statement(
                Sid="DenyInsecureTransport",
                Effect=Deny,
                Principal=Principal("*"),
                Action=[Action("s3", "*")],
                Resource=[GetAtt(bucket, "Arn"), Sub("${%s.Arn}/*" % bucket.title)],
                Condition=Condition(Bool({"aws:SecureTransport": "false"})),
            )
        ],
    )


def artifact_bucket(logical_id: str, name: Sub, kms_key_arn=None, grants=None) -> tuple[s3.Bucket, s3.BucketPolicy]:
    """An encrypted, versioned, private, TLS-only bucket and its policy; overwritten versions
    expire after NONCURRENT_VERSION_DAYS and abandoned multipart uploads are aborted.

    ``kms_key_arn``: a customer-managed key instead of S3's AWS-managed one; ``grants``: a function
    of the bucket giving a condition and the statements the policy holds too when it is true. Requires ``add_access_logging_parameter``
    on the same template.
    """
    bucket = s3.Bucket(
        logical_id,
        BucketName=name,
        BucketEncryption=_encryption(kms_key_arn),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=_lifecycle(),
        LoggingConfiguration=If(
            _ACCESS_LOGGING_ENABLED,
            s3.LoggingConfiguration(
                DestinationBucketName=Ref(ACCESS_LOG_BUCKET_PARAMETER),
                LogFilePrefix=Sub("${AWS::StackName}/"),
            ),
            NoValue,
        ),
        Tags=project_tags(),
    )
    document = tls_only_policy(bucket)
    if grants is not None:  # (condition, statements): the statements join the policy when the condition holds
        condition, statements = grants(bucket)
        # A plain document: a statement may be an Fn::If (present only for a stage in another account).
        granting = {"Version": POLICY_VERSION, "Statement": [*document.Statement, *statements]}
        document = If(condition, granting, document)
    policy = s3.BucketPolicy(f"{logical_id}Policy", Bucket=Ref(bucket), PolicyDocument=document)
    # Kept when the project is deleted: it holds the trained models and data (a versioned
    # bucket is never empty, and CloudFormation cannot delete a bucket that is not). Its
    # TLS-only policy stays with it.
    for resource in (bucket, policy):
        resource.DeletionPolicy = resource.UpdateReplacePolicy = "Retain"
    return bucket, policy


def _encryption(kms_key_arn) -> s3.BucketEncryption:
    """SSE-KMS with a bucket key: the customer-managed ``kms_key_arn``, or S3's AWS-managed key."""
    return s3.BucketEncryption(
        ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(
                ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                    SSEAlgorithm="aws:kms", **({"KMSMasterKeyID": kms_key_arn} if kms_key_arn is not None else {})),
                BucketKeyEnabled=True,
            )
        ]
    )


def _lifecycle() -> s3.LifecycleConfiguration:
    """Overwritten versions expire and abandoned multipart uploads are aborted, so old bytes stop billing."""
    return s3.LifecycleConfiguration(Rules=[
        s3.LifecycleRule(
            Id="ExpireOverwrittenVersionsAndAbandonedUploads",
            Status="Enabled",
            Prefix="",
            NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=NONCURRENT_VERSION_DAYS),
            AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(DaysAfterInitiation=INCOMPLETE_UPLOAD_DAYS),
        )
    ])


def artifact_bucket_output(bucket: s3.Bucket) -> Output:
    return Output("ArtifactBucketName", Value=Ref(bucket),
                  Description="Kept when the project is deleted (models and data); empty and delete it yourself")
