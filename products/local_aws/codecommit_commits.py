"""Pushing to a CodeCommit repository in the local AWS: CreateCommit and GetBranch, with the push's event.

moto's CodeCommit creates, reads and deletes repositories and keeps no content. The repository type of the local
CloudFormation keeps a branch's files (``local_branches``: branch -> {path: bytes}) from the template's ``Code``;
here CreateCommit changes them as a push does: the files put and deleted, a new commit id at the branch's head
(``local_heads``), and CodeCommit's "Repository State Change" event (``referenceUpdated``, or
``referenceCreated`` for a new branch) sent to the account's default bus, where the project's push rule starts
its pipeline (eventbridge_delivery.py). CreateCommit is the API a person's ``git push`` amounts to; the demo and
the acceptance run use it because git over CodeCommit's HTTPS is not emulated.

As CodeCommit does, a commit to a branch that has commits must name its head as ``parentCommitId``
(ParentCommitIdRequiredException, ParentCommitIdOutdatedException), and a commit that changes nothing is refused
(NoChangeException). Requests are checked against the API model (api_model.py).

Not emulated: git's protocol itself, merges, pull requests, file modes, other CodeCommit operations.
"""

import base64
import hashlib
import threading

from products.local_aws import api_model, service_events
from products.local_aws.event_shapes import codecommit_reference_event

_LOCK = threading.Lock()


def _repository(account: str, region: str, name: str):
    from moto.codecommit.models import codecommit_backends

    stored = codecommit_backends[account][region].repositories.get(name)
    if stored is None:
        raise api_model.Refused("RepositoryDoesNotExistException", f"{name} does not exist")
    stored.__dict__.setdefault("local_branches", {})
    stored.__dict__.setdefault("local_heads", {})
    return stored


def head(stored, branch: str) -> str | None:
    """The branch's commit id (for a branch the template's Code made, an id of its content), or None."""
    files = getattr(stored, "local_branches", {}).get(branch)
    if files is None:
        return None
    return getattr(stored, "local_heads", {}).get(branch) or content_id(files)


def content_id(files: dict[str, bytes], parent: str = "") -> str:
    digest = hashlib.sha1(parent.encode())
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path])
    return digest.hexdigest()


def get_branch(account, region, caller, request: dict) -> dict:
    stored = _repository(account, region, request.get("repositoryName", ""))
    commit = head(stored, request.get("branchName", ""))
    if commit is None:
        raise api_model.Refused("BranchDoesNotExistException", f"{request.get('branchName')} does not exist")
    return {"branch": {"branchName": request["branchName"], "commitId": commit}}


def _changed(files: dict[str, bytes], request: dict) -> tuple[dict[str, bytes], list, list, list]:
    """The branch's files after the commit, and what it added, updated and deleted."""
    after, added, updated, deleted = dict(files), [], [], []
    for put in request.get("putFiles", []):
        content = base64.b64decode(put.get("fileContent", ""))
        (updated if put["filePath"] in after else added).append(put["filePath"])
        after[put["filePath"]] = content
    for gone in request.get("deleteFiles", []):
        if gone["filePath"] not in after:
            raise api_model.Refused("FileDoesNotExistException", f"{gone['filePath']} does not exist")
        del after[gone["filePath"]]
        deleted.append(gone["filePath"])
    return after, added, updated, deleted


def create_commit(account, region, caller, request: dict) -> dict:
    """A commit on ``branchName``; the push event follows, as CodeCommit sends it."""
    name, branch = request["repositoryName"], request["branchName"]
    with _LOCK:
        stored = _repository(account, region, name)
        parent = head(stored, branch)
        if parent and not request.get("parentCommitId"):
            raise api_model.Refused("ParentCommitIdRequiredException", f"the branch {branch} has commits: name its "
                                    "head as parentCommitId (GetBranch)")
        if parent and request["parentCommitId"] != parent:
            raise api_model.Refused("ParentCommitIdOutdatedException", f"{request['parentCommitId']} is not the head "
                                    f"of {branch} ({parent})")
        after, added, updated, deleted = _changed(stored.local_branches.get(branch, {}), request)
        if parent and after == stored.local_branches[branch]:
            raise api_model.Refused("NoChangeException", "the commit changes nothing")
        commit = content_id(after, parent or "")
        stored.local_branches[branch], stored.local_heads[branch] = after, commit
    service_events.emit(codecommit_reference_event(
        name, branch, "referenceUpdated" if parent else "referenceCreated", account=account, region=region,
        time=service_events.now_iso(), commit_id=commit, old_commit_id=parent or "",
        repository_id=stored.repository_metadata["repositoryId"]))
    return {"commitId": commit, "treeId": content_id(after),
            "filesAdded": [{"absolutePath": p} for p in added], "filesUpdated": [{"absolutePath": p} for p in updated],
            "filesDeleted": [{"absolutePath": p} for p in deleted]}


OPERATIONS = {"GetBranch": get_branch, "CreateCommit": create_commit}


def install() -> None:
    """Patch moto (in this process): its CodeCommit answers the operations above."""
    from moto.codecommit.responses import CodeCommitResponse

    api_model.install(CodeCommitResponse, "codecommit", OPERATIONS, invalid_code="InvalidParameterException")
