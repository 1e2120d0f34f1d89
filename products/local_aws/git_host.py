"""A Git host behind CodeConnections, stood in for: bare repositories under one folder.

CodeConnections serves a connection's repositories over HTTPS at
``https://codeconnections.REGION.amazonaws.com/git-http/ACCOUNT/REGION/CONNECTION_ID/OWNER/REPO.git`` (the URL
the seed check-in builds, products/functions/seed_checkin.py). Here git itself rewrites that prefix
(``url.<base>.insteadOf``, given to a build's git through GIT_CONFIG_* variables) to ``file://ROOT/``, so
the buildspec's own git commands run unchanged against ``ROOT/ACCOUNT/REGION/CONNECTION_ID/OWNER/REPO.git``.
ROOT is $EMULATOR_GIT_HOST_DIR, else a temporary folder removed when the process ends. A repository must be
created there first (``create_repository``), as a team creates theirs on GitHub before the project.

A connection's tags are kept beside its repositories (``create_connection``), because the roles' permission to use
a connection depends on them (``aws:ResourceTag/...``): a pipeline's source action reads them.

Each repository's post-receive hook logs its pushes (``pushes``), the stand-in for the provider's webhook to
CodeConnections: CodePipeline's V2 Git triggers start from them (codepipeline_triggers.py).

Not emulated: the provider and its authentication, and the connection's status and permissions (git's
credential helper is never asked for a file:// remote).
"""

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SERVICES = ("codeconnections", "codestar-connections")  # the two names CodeConnections' ARNs and URLs use
_ROOT: Path | None = None


def root() -> Path:
    global _ROOT
    if _ROOT is None:
        if os.environ.get("EMULATOR_GIT_HOST_DIR"):
            _ROOT = Path(os.environ["EMULATOR_GIT_HOST_DIR"])
        else:
            _ROOT = Path(tempfile.mkdtemp(prefix="git-host-"))
            atexit.register(shutil.rmtree, _ROOT, True)
    return _ROOT


def repository_path(connection_arn: str, full_name: str, base: Path | None = None) -> Path:
    """Where the repository ``OWNER/REPO`` of a connection lives on the stand-in host."""
    return _connection_dir(connection_arn, base) / f"{full_name}.git"


PUSHES = "pushes.jsonl"  # beside the accounts' folders: every push the host received, one JSON line each
# The provider's webhook, stood in for by git's post-receive hook: each pushed ref, appended to the host's log.
_POST_RECEIVE = """#!/bin/sh
while read old new ref; do
  printf '{"repository": "%s", "ref": "%s", "commit": "%s"}\\n' "$(pwd)" "$ref" "$new" >> '{log}'
done
"""


def create_repository(connection_arn: str, full_name: str, base: Path | None = None) -> Path:
    """An empty repository, as a team creates it on the provider before creating the project. Every push to it
    is logged for the host's webhooks (``pushes``), as the provider notifies CodeConnections."""
    path = repository_path(connection_arn, full_name, base)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "--bare", "--quiet", str(path)], check=True)
    hook = path / "hooks" / "post-receive"
    hook.write_text(_POST_RECEIVE.replace("{log}", str((base or root()) / PUSHES)))
    hook.chmod(0o755)
    return path


def pushes(offset: int) -> tuple[list[dict], int]:
    """The pushes logged since ``offset`` (bytes into the log), each with the connection's ARN parts and the
    repository's full name, and the new offset."""
    log = root() / PUSHES
    if not log.exists():
        return [], offset
    with open(log, "rb") as lines:
        lines.seek(offset)
        data = lines.read()
    complete = data[:data.rfind(b"\n") + 1]
    found = []
    for line in complete.decode().splitlines():
        push = json.loads(line)
        account, region, connection, *name = Path(push["repository"]).resolve().relative_to(root().resolve()).parts
        found.append({**push, "account": account, "region": region, "connection": connection,
                      "full_name": "/".join(name).removesuffix(".git")})
    return found, offset + len(complete)


def git_environment(region: str) -> dict[str, str]:
    """The variables that make a process's git reach this host for CodeConnections URLs."""
    env = {"GIT_CONFIG_COUNT": str(len(SERVICES))}
    for index, service in enumerate(SERVICES):
        env[f"GIT_CONFIG_KEY_{index}"] = f"url.{root().as_uri()}/.insteadOf"
        env[f"GIT_CONFIG_VALUE_{index}"] = f"https://{service}.{region}.amazonaws.com/git-http/"
    return env


def _connection_dir(connection_arn: str, base: Path | None = None) -> Path:
    _, _, _service, region, account, resource = connection_arn.split(":", 5)
    return (base or root()) / account / region / resource.split("/", 1)[-1]


def create_connection(connection_arn: str, tags: dict[str, str], base: Path | None = None) -> None:
    """A connection as an admin creates it (CreateConnection, then the provider's handshake), with its tags."""
    folder = _connection_dir(connection_arn, base)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "connection-tags.json").write_text(json.dumps(tags))


def connection_tags(connection_arn: str) -> dict[str, str] | None:
    """The connection's tags, or None if no connection was created under that ARN."""
    path = _connection_dir(connection_arn) / "connection-tags.json"
    return json.loads(path.read_text()) if path.is_file() else None
