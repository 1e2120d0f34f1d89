"""`aws cloudformation package` for the local demo, where no AWS CLI is installed.

Packaging uploads the local files a template points at and rewrites the references. The
model-deploy endpoint template points at none, so packaging it leaves it as it is; this
copies it after checking that it really references no local file, and refuses anything
else rather than pretending.

    python -m products.package_shim cloudformation package --template-file T --output-template-file O [...]
"""

import argparse
import re
import shutil
import sys

LOCAL_ARTIFACT_PROPERTIES = re.compile(r"^\s*(CodeUri|ContentUri|DefinitionUri|TemplateURL|BodyS3Location|Location)\s*:", re.M)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] != ["cloudformation", "package"]:
        print("aws (local demo): only `aws cloudformation package` is available here", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="aws cloudformation package")
    parser.add_argument("--template-file", required=True)
    parser.add_argument("--output-template-file", required=True)
    parser.add_argument("--s3-bucket", required=True)
    parser.add_argument("--s3-prefix", default="")
    args = parser.parse_args(argv[2:])
    text = open(args.template_file, encoding="utf-8").read()
    found = LOCAL_ARTIFACT_PROPERTIES.search(text)
    if found:
        print(f"aws (local demo): {args.template_file} references local artifacts ({found.group(1)}); "
              "the demo cannot package them", file=sys.stderr)
        return 1
    shutil.copy(args.template_file, args.output_template_file)
    print(f"Successfully packaged artifacts and wrote output template to file {args.output_template_file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
