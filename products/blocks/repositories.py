"""CodeCommit repositories seeded from a zip in S3."""

from troposphere import Sub, codecommit

from products.blocks.naming import project_tags


def seeded_repository(logical_id: str, name: Sub, description: str, seed_bucket, seed_key, branch: str) -> codecommit.Repository:
    """A repository whose first commit on ``branch`` is the content of the seed zip."""
    return codecommit.Repository(
        logical_id,
        RepositoryName=name,
        RepositoryDescription=description,
        Code=codecommit.Code(
            BranchName=branch,
            S3=codecommit.S3(Bucket=seed_bucket, Key=seed_key),
        ),
        Tags=project_tags(),
    )
