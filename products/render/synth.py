"""Render the whole catalog: product templates, portfolio, roles, seed-code zips, manifest.

Rendering happens in memory first, so bad input writes nothing; the output directory
is then replaced as a whole. Output is byte-for-byte deterministic.

Object keys carry content digests (Runway-style): a template's key is the hash of its
bytes; a seed zip's key is the hash of the files it holds (paths, modes, contents), not
of the zip bytes, so a different zlib cannot change the templates that point at it.

The golden files in ``templates/`` are rendered with a placeholder for each seed-code key
(``golden=True``), so an edit to seed code changes the published templates' keys but never a
golden file. (A buildspec that a template inlines, the seed check-in's, is part of that template.)
"""

import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from products import PRODUCTS
from products.catalog import portfolio, roles
from products.render import seed_readme
from products.catalog import target_account
from products.blocks.build_contract import SEED_REPOS, SeedRepo
from products.blocks.product import ProductSettings
from products.catalog.config import CatalogConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDCODE_DIR = REPO_ROOT / "seedcode"
BUILDSPECS_DIR = REPO_ROOT / "buildspecs"

MANIFEST = "manifest.json"
PORTFOLIO_TEMPLATE = "portfolio.json"
ROLES_TEMPLATE = "roles.json"
TARGET_ACCOUNT_TEMPLATE = "target-account.json"

_SKIPPED_NAMES = {"__pycache__", ".pytest_cache", ".venv", ".git", "build", "dist", ".mypy_cache", ".ruff_cache"}
_SKIPPED_SUFFIXES = (".pyc", ".egg-info")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DIGEST_LENGTH = 16
GOLDEN_SEED_DIGEST = "SEED-CODE-DIGEST"  # stands for the seed zip's content digest in the golden files


class SynthError(RuntimeError):
    """Synthesis cannot go on; ``str()`` is the one line to show the user."""


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the output directory
    kind: str  # product-template | studio-template | portfolio | roles | seed-code
    data: bytes
    key: str | None = None  # S3 object key, for what the publisher uploads
    product: str | None = None
    version: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class RenderedCatalog:
    """Everything synth renders, by what it is: no caller looks an artifact up by a path or a kind string.

    Iterating it gives every artifact in the stable order synth writes them (for the manifest, uploads, tests).
    """

    seed_zips: dict[str, Artifact]  # seed repo name -> its zip
    product_templates: dict[str, Artifact]  # product name -> its template (the Service Catalog route's)
    studio_templates: dict[str, Artifact]  # product name -> its YAML copy (the S3 route's)
    portfolio: Artifact
    roles: Artifact
    target_account: Artifact

    def __iter__(self):
        yield from self.seed_zips.values()
        yield from self.product_templates.values()
        yield from self.studio_templates.values()
        yield from (self.portfolio, self.roles, self.target_account)

    def __len__(self) -> int:
        return len(list(iter(self)))

    @property
    def templates(self) -> list[Artifact]:
        """The CloudFormation templates a stack is made from: products' and the catalog's own (what lint checks)."""
        return [*self.product_templates.values(), self.portfolio, self.roles, self.target_account]

    @property
    def uploads(self) -> list[Artifact]:
        """What the publisher stores in the asset bucket under its content-addressed key."""
        return [artifact for artifact in self if artifact.key]

    @classmethod
    def of(cls, artifacts) -> "RenderedCatalog":
        """Sorted by kind, as synth made them or as a synth output's manifest lists them."""
        by_kind = {}
        for artifact in artifacts:
            by_kind.setdefault(artifact.kind, []).append(artifact)
        try:
            (portfolio_artifact,), (roles_artifact,), (target,) = (by_kind[k] for k in ("portfolio", "roles", "target-account"))
        except (KeyError, ValueError):
            raise SynthError("a catalog needs exactly one portfolio, roles and target-account template") from None
        return cls(
            seed_zips={Path(a.path).stem: a for a in by_kind.get("seed-code", [])},
            product_templates={a.product: a for a in by_kind.get("product-template", [])},
            studio_templates={a.product: a for a in by_kind.get("studio-template", [])},
            portfolio=portfolio_artifact, roles=roles_artifact, target_account=target,
        )


def render_json(template) -> bytes:
    return (template.to_json(indent=2, sort_keys=True) + "\n").encode("utf-8")


def _seed_files(repo: SeedRepo, seedcode_dir: Path, buildspecs_dir: Path) -> dict[str, tuple[int, bytes]]:
    """``{path in zip: (mode, bytes)}`` for a seed repo, buildspecs placed as configured."""
    root = seedcode_dir / repo.name
    if not root.is_dir():
        raise SynthError(f"{root}: seed repo folder missing")
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_NAMES and not d.endswith(_SKIPPED_SUFFIXES))
        for filename in filenames:
            if filename.endswith(_SKIPPED_SUFFIXES):
                continue
            path = Path(dirpath) / filename
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            files[path.relative_to(root).as_posix()] = (mode, path.read_bytes())
    for source, target in repo.buildspecs.items():
        if target in files:
            raise SynthError(f"{root / target}: clashes with buildspecs/{source}, which synth places there")
        spec = buildspecs_dir / source
        if not spec.is_file():
            raise SynthError(f"{spec}: buildspec missing (seed repo {repo.name} needs it)")
        files[target] = (0o644, spec.read_bytes())
    return files


def content_digest(files: dict[str, tuple[int, bytes]]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        mode, data = files[path]
        digest.update(f"{path}\0{mode:o}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def build_zip(files: dict[str, tuple[int, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(files):
            mode, data = files[path]
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the modes above are honoured
            archive.writestr(info, data)
    return buffer.getvalue()


def _names_template(config: CatalogConfig) -> dict:
    """The reference product's template, for the resource names the seed READMEs show
    (names do not depend on the seed-code keys, which are not known yet)."""
    settings = ProductSettings(roles=config.roles, asset_bucket=config.asset_bucket,
                               seed_code_keys={name: seed_code_key(name, GOLDEN_SEED_DIGEST) for name in SEED_REPOS})
    return json.loads(render_json(PRODUCTS["build-train-deploy"].template(settings)))


def seed_code_key(repo: str, digest: str) -> str:
    return f"seedcode/{repo}/{digest[:DIGEST_LENGTH]}.zip"


def synthesize(config: CatalogConfig, seedcode_dir: Path = SEEDCODE_DIR, buildspecs_dir: Path = BUILDSPECS_DIR,
               golden: bool = False) -> RenderedCatalog:
    """Every artifact of the catalog, in memory, in a stable order; ``golden``: the seed-code keys in the
    templates are a placeholder (the committed golden files), not the zips' digests (what is published)."""
    products = [PRODUCTS[name] for name in config.products]
    repo_names = sorted({repo.name for product in products for repo in product.seed_repos})

    artifacts, seed_keys = [], {}
    names_template = _names_template(config)
    for name in repo_names:
        files = _seed_files(SEED_REPOS[name], seedcode_dir, buildspecs_dir)
        if name in seed_readme.SECTIONS and "README.md" in files:
            mode, readme = files["README.md"]
            section = seed_readme.SECTIONS[name](names_template)
            try:
                files["README.md"] = (mode, seed_readme.with_section(readme.decode(), section, f"{name}/README.md").encode())
            except ValueError as error:
                raise SynthError(str(error)) from None
        key = seed_code_key(name, content_digest(files))
        seed_keys[name] = seed_code_key(name, GOLDEN_SEED_DIGEST) if golden else key
        artifacts.append(Artifact(f"seedcode/{name}.zip", "seed-code", build_zip(files), key=key))

    settings = ProductSettings(roles=config.roles, asset_bucket=config.asset_bucket, seed_code_keys=seed_keys,
                               deploy_accounts=config.publish.deploy_accounts)
    releases = []
    for product in products:
        data = render_json(product.template(settings))
        digest = hashlib.sha256(data).hexdigest()
        release = portfolio.ProductRelease(
            product,
            template_key=f"templates/{product.name}/{digest[:DIGEST_LENGTH]}.json",
            version_name=f"{product.version}-{digest[:8]}",
        )
        releases.append(release)
        artifacts.append(
            Artifact(
                f"templates/{product.name}.json", "product-template", data,
                key=release.template_key, product=product.name, version=release.version_name,
            )
        )
    artifacts += [studio_template(artifact) for artifact in artifacts if artifact.kind == "product-template"]
    artifacts.append(Artifact(PORTFOLIO_TEMPLATE, "portfolio", render_json(portfolio.build(config, releases))))
    roles_template = roles.build(config.roles, config.asset_bucket, config.portfolio.principals,
                                 config.publish.s3_templates_prefix, config.publish.deploy_accounts)
    _check_inline_policy_sizes(json.loads(render_json(roles_template)), len(config.publish.deploy_accounts))
    artifacts.append(Artifact(ROLES_TEMPLATE, "roles", render_json(roles_template)))
    artifacts.append(Artifact(TARGET_ACCOUNT_TEMPLATE, "target-account",
                              render_json(target_account.build(config.roles, config.asset_bucket))))
    return RenderedCatalog.of(artifacts)


INLINE_POLICY_LIMIT = 10_240  # IAM: a role's inline policies together, in characters without whitespace


def _check_inline_policy_sizes(roles_template: dict, accounts: int) -> None:
    """Refuse a roles stack IAM would refuse: each target account adds its deploy role's ARN to three roles."""
    from products.analysis.resolve import resolve

    for logical_id, role in resolve(roles_template, {}).resources().items():
        if role["Type"] != "AWS::IAM::Role":
            continue
        size = sum(len(json.dumps(p["PolicyDocument"], separators=(",", ":"))) for p in role["Properties"]["Policies"])
        if size > INLINE_POLICY_LIMIT:
            raise SynthError(f"roles.json: {logical_id}'s inline policy would be {size} characters, over IAM's "
                             f"{INLINE_POLICY_LIMIT}: {accounts} target accounts are too many for one role to name")


def studio_template(product_template: Artifact) -> Artifact:
    """The S3 route's copy of a product template: the same template in YAML, the form every AWS
    S3-route sample template takes (sagemaker-custom-project-templates, s3_templates/)."""
    from cfn_tools import dump_yaml, load_json

    data = dump_yaml(load_json(product_template.data.decode("utf-8"))).encode("utf-8")
    return Artifact(f"studio-templates/{product_template.product}.yaml", "studio-template", data,
                    product=product_template.product, version=product_template.version)


def manifest(artifacts: RenderedCatalog) -> bytes:
    entries = []
    for artifact in artifacts:
        entry = {"path": artifact.path, "kind": artifact.kind, "sha256": artifact.sha256, "bytes": len(artifact.data)}
        for field in ("key", "product", "version"):
            if getattr(artifact, field) is not None:
                entry[field] = getattr(artifact, field)
        entries.append(entry)
    return (json.dumps({"artifacts": entries}, indent=2, sort_keys=True) + "\n").encode()


def write_output(artifacts: RenderedCatalog, out_dir: Path) -> None:
    """Replace ``out_dir`` with the artifacts and their manifest, all or nothing.

    Refuses to replace a non-empty directory that is not an earlier synth output.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise SynthError(f"{out_dir}: exists and is not a directory")
        if any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
            raise SynthError(f"{out_dir}: not empty and holds no {MANIFEST}; refusing to replace it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for artifact in artifacts:
            target = staging / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.data)
        (staging / MANIFEST).write_bytes(manifest(artifacts))
        staging.chmod(0o755)
        if out_dir.exists():
            retired = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
            out_dir.rename(retired)
            staging.rename(out_dir)
            shutil.rmtree(retired)
        else:
            staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def read_output(out_dir: Path) -> RenderedCatalog:
    """The catalog a synth output directory holds, as its manifest lists it."""
    path = Path(out_dir) / MANIFEST
    try:
        entries = json.loads(path.read_text())["artifacts"]
        return RenderedCatalog.of(
            Artifact(entry["path"], entry["kind"], (Path(out_dir) / entry["path"]).read_bytes(), entry.get("key"),
                     entry.get("product"), entry.get("version"))
            for entry in entries)
    except FileNotFoundError as error:
        hint = "; run `python publish.py synth` first" if error.filename == str(path) else " (listed in the manifest)"
        raise SynthError(f"{error.filename}: missing{hint}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise SynthError(f"{path}: not a synth manifest ({error})") from None
