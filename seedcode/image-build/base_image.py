"""The SageMaker scikit-learn image this repo's Dockerfile derives from, in a given region.

AWS publishes the image in an account of its own per region. The table is the SageMaker
Python SDK's (``sagemaker/core/image_uri_config/sklearn.json``, framework version 1.2-1,
the SDK version the model-build repo pins), so the processing image you build starts from
the image the model-build pipeline's processing steps use today.

    python base_image.py us-east-1   # prints the image URI; the build passes it to docker build
"""

import sys

REPOSITORY = "sagemaker-scikit-learn"
TAG = "1.2-1-cpu-py3"

# Region -> the AWS account that publishes the image there.
REGISTRIES = {
    "af-south-1": "510948584623", "ap-east-1": "651117190479", "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698", "ap-northeast-3": "867004704886", "ap-south-1": "720646828776",
    "ap-south-2": "628508329040", "ap-southeast-1": "121021644041", "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941", "ap-southeast-4": "106583098589", "ca-central-1": "341280168497",
    "ca-west-1": "190319476487", "cn-north-1": "450853457545", "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770", "eu-central-2": "680994064768", "eu-north-1": "662702820516",
    "eu-south-1": "978288397137", "eu-south-2": "104374241257", "eu-west-1": "141502667606",
    "eu-west-2": "764974769150", "eu-west-3": "659782779980", "il-central-1": "898809789911",
    "me-central-1": "272398656194", "me-south-1": "801668240914", "sa-east-1": "737474898029",
    "us-east-1": "683313688378", "us-east-2": "257758044811", "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902", "us-west-1": "746614075791", "us-west-2": "246618743249",
}


class UnknownRegion(ValueError):
    """AWS publishes no such image in the region (or the table here does not list it yet)."""


def base_image(region: str) -> str:
    """``<account>.dkr.ecr.<region>.<domain>/sagemaker-scikit-learn:1.2-1-cpu-py3``."""
    account = REGISTRIES.get(region)
    if account is None:
        raise UnknownRegion(f"no {REPOSITORY}:{TAG} image listed for region {region!r} "
                            f"(base_image.py lists: {', '.join(sorted(REGISTRIES))})")
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{domain}/{REPOSITORY}:{TAG}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python base_image.py REGION", file=sys.stderr)
        return 2
    try:
        print(base_image(argv[0]))
    except UnknownRegion as error:
        print(f"base_image.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
