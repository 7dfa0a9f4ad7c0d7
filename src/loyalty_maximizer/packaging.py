"""Build-time helpers for the deployable artifacts (docs/topology.md, "Artifacts").

``scripts/package.py`` is a thin command line over this module and
``scripts/bench_cold_start.py`` shares its Lambda environment and import probe. Nothing here
runs in Lambda or Glue; the module lives in the library so that it is type-checked and unit
tested like the rest.

- Deterministic zips: sorted entries, fixed timestamps, permissions and compression, so the
  same source gives the same bytes (and ``terraform plan`` shows no change).
- Installed-tree normalisation: what an installer writes that depends on the machine or the
  build (``INSTALLER``, ``REQUESTED``, ``direct_url.json``, console scripts with an absolute
  interpreter path, byte code) is dropped and each ``.dist-info/RECORD`` rewritten to list
  exactly what ships, sorted.
- Requirements: exported from ``uv.lock`` with ``uv export`` (never hand-edited), minus what
  a target does not need (``--prune`` drops a package together with its exclusive
  dependencies), checked against what must never ship and against the wheels the lock
  offers for the Lambda platform.
- The manifest of every artifact's sha256, and the version string it carries.
- The environment Terraform gives each function (with fake values) and a subprocess probe
  that imports a handler in a fresh interpreter, timing it and watching for network calls.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import posixpath
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# --------------------------------------------------------------------------- constants

#: Lambda's limit on the unzipped size of a function with all its layers (250 MiB).
LAMBDA_UNZIPPED_LIMIT = 262_144_000

#: The Lambda ``python3.11`` runtime runs on Amazon Linux 2 (glibc 2.26): wheels must be
#: manylinux2014 (glibc 2.17) or older, x86_64, for CPython 3.11.
LAMBDA_PYTHON_PLATFORM = "x86_64-manylinux2014"
#: Markers are evaluated for a current 3.11 patch release (never 3.11.0: the lock has
#: ``python_full_version >= '3.11.5'`` branches, e.g. soupsieve).
RUNTIME_PYTHON_VERSION = "3.11.11"

#: Platform tags a Lambda python3.11 wheel may carry (manylinux up to glibc 2.17).
LAMBDA_PLATFORM_TAGS = frozenset(
    {"any", "manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"}
    | {f"manylinux_2_{minor}_x86_64" for minor in range(5, 18)}
)

#: Marker environment of the Lambda python3.11 runtime (and Glue 5: also Linux x86_64).
RUNTIME_MARKER_ENVIRONMENT: dict[str, str] = {
    "implementation_name": "cpython",
    "implementation_version": RUNTIME_PYTHON_VERSION,
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "python_full_version": RUNTIME_PYTHON_VERSION,
    "python_version": "3.11",
    "sys_platform": "linux",
}

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o644
ZIP_DIR_MODE = 0o755
ZIP_COMPRESS_LEVEL = 6
_UNIX = 3  # ZipInfo.create_system for Unix: the mode bits in external_attr are honoured

#: Never in the layer: local-only (the embedded graph, the MCP server). The ``spark`` and
#: ``glue`` extras (pyspark, awswrangler and with them pandas and pyarrow) are never exported
#: for the layer at all.
LAYER_ALWAYS_PRUNED = ("ladybug", "mcp")
#: In the layer only when a handler imports them (the CLI's).
LAYER_PRUNED_UNLESS_IMPORTED = ("typer", "rich")
#: Must not appear in the layer's requirements, whatever the lock says.
LAYER_FORBIDDEN = ("pyspark", "py4j", "awswrangler", "pandas", "pyarrow", "ladybug", "mcp")

#: The extras the Glue jobs install beyond the library's runtime dependencies.
GLUE_EXTRAS = ("glue",)
#: Glue 5 ships these (and their dependencies): never reinstalled by the job.
GLUE_PROVIDED = ("pyspark", "boto3", "botocore")
#: In the Glue requirements only when the job scripts import them.
GLUE_PRUNED_UNLESS_IMPORTED = ("ladybug", "mcp", "typer", "rich")
GLUE_FORBIDDEN = ("pyspark", "boto3", "botocore")

#: Files an installer writes into ``.dist-info`` that depend on the machine or the build.
_VOLATILE_METADATA = frozenset({"INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json"})


class PackagingError(Exception):
    """A build step failed; the message says what and how to fix it."""


def normalise_name(name: str) -> str:
    """A distribution name in PEP 503 normal form (``Typing_Extensions`` ->
    ``typing-extensions``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------- zips

ZipSource = Path | bytes


@dataclass(frozen=True)
class ZipStats:
    path: Path
    entries: int
    unzipped_bytes: int
    zipped_bytes: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "entries": self.entries,
            "unzippedBytes": self.unzipped_bytes,
            "zippedBytes": self.zipped_bytes,
            "sha256": self.sha256,
        }


def _read(source: ZipSource) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


def _source_size(source: ZipSource) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _check_arcname(name: str) -> None:
    parts = name.split("/")
    if not name or name.startswith("/") or name.endswith("/") or ".." in parts or "" in parts:
        raise PackagingError(f"invalid archive path {name!r}")


def sizes_of(files: Mapping[str, ZipSource]) -> dict[str, int]:
    """Each file's size in bytes, by archive path."""
    return {name: _source_size(source) for name, source in files.items()}


def zip_sizes(path: Path) -> dict[str, int]:
    """Each file entry's unzipped size in bytes, by archive path."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info.file_size for info in archive.infolist() if not info.is_dir()}


def zip_stats(path: Path) -> ZipStats:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    return ZipStats(
        path=path,
        entries=len(infos),
        unzipped_bytes=sum(info.file_size for info in infos),
        zipped_bytes=path.stat().st_size,
        sha256=file_sha256(path),
    )


def check_unzipped_size(
    sizes: Mapping[str, int], limit: int = LAMBDA_UNZIPPED_LIMIT, what: str = "layer"
) -> int:
    """The total of ``sizes`` (see ``sizes_of``, ``zip_sizes``); raises when it is over
    ``limit`` bytes, naming the largest parts."""
    size = sum(sizes.values())
    if size > limit:
        largest = largest_parts(sizes, 8)
        raise PackagingError(
            f"the {what} is {size / 2**20:.1f} MiB unzipped, over the limit of "
            f"{limit / 2**20:.1f} MiB; largest: "
            + ", ".join(f"{name} {nbytes / 2**20:.1f} MiB" for name, nbytes in largest)
        )
    return size


def largest_parts(sizes: Mapping[str, int], count: int) -> list[tuple[str, int]]:
    """The ``count`` largest top-level parts (``python/<package>`` in a layer), by size."""
    totals: dict[str, int] = {}
    for name, size in sizes.items():
        parts = name.split("/")
        key = "/".join(parts[:2]) if parts[0] == "python" and len(parts) > 2 else parts[0]
        totals[key] = totals.get(key, 0) + size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:count]


def parent_directories(names: Iterable[str]) -> set[str]:
    directories: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            directories.add("/".join(parts[:depth]) + "/")
    return directories


def _zip_info(name: str, *, directory: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.create_system = _UNIX
    if directory:
        info.external_attr = ((0o040000 | ZIP_DIR_MODE) << 16) | 0x10  # S_IFDIR, MS-DOS dir
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.external_attr = (0o100000 | ZIP_FILE_MODE) << 16  # S_IFREG
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_deterministic_zip(
    dest: Path,
    files: Mapping[str, ZipSource],
    *,
    directories: bool = True,
    sort_key: Callable[[str], Any] | None = None,
    compresslevel: int = ZIP_COMPRESS_LEVEL,
) -> ZipStats:
    """Write ``files`` (archive path -> file or bytes) to ``dest`` so that the same contents
    always give the same bytes: entries sorted (by ``sort_key`` if given), every timestamp
    1980-01-01, files 0644 and directories 0755 whatever they are on disk, DEFLATE at a fixed
    level, no extra fields. With ``directories`` every parent directory gets its own entry.
    The archive is written next to ``dest`` and renamed into place."""
    for name in files:
        _check_arcname(name)
    names: list[str] = list(files)
    if directories:
        names.extend(parent_directories(files) - {f"{name}/" for name in files})
    names.sort(key=sort_key)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    unzipped = 0
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name in names:
            if name.endswith("/"):
                archive.writestr(_zip_info(name, directory=True), b"")
                continue
            data = _read(files[name])
            unzipped += len(data)
            archive.writestr(
                _zip_info(name, directory=False),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=compresslevel,
            )
    os.replace(tmp, dest)
    return ZipStats(
        path=dest,
        entries=len(names),
        unzipped_bytes=unzipped,
        zipped_bytes=dest.stat().st_size,
        sha256=file_sha256(dest),
    )


def wheel_sort_key(name: str) -> tuple[int, int, str]:
    """Wheel order: the package first, ``.dist-info`` last and its ``RECORD`` at the very end
    (the wheel specification's recommendation)."""
    top = name.split("/", 1)[0]
    in_dist_info = top.endswith(".dist-info")
    return (int(in_dist_info), int(in_dist_info and name.endswith("/RECORD")), name)


def normalise_wheel(source: Path, dest: Path) -> ZipStats:
    """Rewrite a wheel deterministically (0644 everywhere, fixed timestamps, wheel order).
    The contents, and so ``RECORD``'s hashes, are unchanged."""
    with zipfile.ZipFile(source) as wheel:
        files = {info.filename: wheel.read(info) for info in wheel.infolist() if not info.is_dir()}
    return write_deterministic_zip(dest, files, directories=False, sort_key=wheel_sort_key)


def read_zip(path: Path) -> dict[str, bytes]:
    """Every file entry of a zip, by name."""
    with zipfile.ZipFile(path) as archive:
        return {
            info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }


# --------------------------------------------------------------------------- trees


def _is_byte_code(path: str) -> bool:
    return path.endswith((".pyc", ".pyo"))


def collect_tree(root: Path, prefix: str = "") -> dict[str, Path]:
    """Every file under ``root`` by archive path (``prefix`` + the POSIX relative path),
    without ``__pycache__`` directories and byte code. Symbolic links are followed."""
    files: dict[str, Path] = {}
    for directory, subdirectories, filenames in os.walk(root, followlinks=True):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        base = Path(directory)
        relative = base.relative_to(root).as_posix()
        for filename in sorted(filenames):
            if _is_byte_code(filename):
                continue
            arcname = filename if relative == "." else f"{relative}/{filename}"
            files[prefix + arcname] = base / filename
    return files


def merge_trees(*trees: Mapping[str, ZipSource]) -> dict[str, ZipSource]:
    """One mapping from several; the same archive path twice is an error (two installs
    writing the same file would make the result depend on their order)."""
    merged: dict[str, ZipSource] = {}
    for tree in trees:
        for name, source in tree.items():
            if name in merged:
                raise PackagingError(f"{name} would be written twice")
            merged[name] = source
    return merged


def normalise_installed(files: Mapping[str, ZipSource], site: str = "") -> dict[str, ZipSource]:
    """An installed ``site`` directory (archive prefix such as ``"python/"``) as it should
    ship: no byte code, no ``bin/`` (console scripts carry the build machine's interpreter
    path and Lambda never runs them), no hidden files at its root (the installer's
    ``.lock``), no installer-specific ``.dist-info`` files, and each
    ``RECORD`` listing exactly the files that remain, sorted."""
    kept: dict[str, ZipSource] = {}
    for name, source in files.items():
        if not name.startswith(site):
            kept[name] = source
            continue
        relative = name[len(site) :]
        parts = relative.split("/")
        if parts[0] == "bin" or parts[0].startswith(".") or "__pycache__" in parts:
            continue  # console scripts, the installer's .lock, byte code
        if _is_byte_code(relative):
            continue
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] in _VOLATILE_METADATA:
            continue
        kept[name] = source
    for name in [n for n in kept if n.startswith(site)]:
        parts = name[len(site) :].split("/")
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "RECORD":
            kept[name] = rewrite_record(_read(kept[name]), parts[0], site, set(kept))
    return kept


def rewrite_record(record: bytes, dist_info: str, site: str, present: Collection[str]) -> bytes:
    """``RECORD`` keeping only the rows whose file is in ``present`` (archive paths; rows are
    relative to ``site``), sorted, with ``RECORD`` itself listed without a hash."""
    own = f"{dist_info}/RECORD"
    rows: dict[str, list[str]] = {}
    for row in csv.reader(io.StringIO(record.decode("utf-8"))):
        if not row or not row[0] or row[0] == own:
            continue
        resolved = posixpath.normpath(posixpath.join(site.rstrip("/") or ".", row[0]))
        if resolved.startswith("./"):
            resolved = resolved[2:]
        if resolved in present:
            rows[row[0]] = row
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path in sorted(rows):
        writer.writerow(rows[path])
    writer.writerow([own, "", ""])
    return out.getvalue().encode("utf-8")


#: Where Lambda mounts a layer's ``python/`` directory.
LAYER_RUNTIME_ROOT = "/opt/python"


def compile_bytecode(
    files: Mapping[str, ZipSource], site: str, work: Path, runtime_root: str = LAYER_RUNTIME_ROOT
) -> dict[str, Path]:
    """``__pycache__/*.cpython-311.pyc`` for every ``.py`` under ``site`` (archive prefix),
    compiled into ``work``: unchecked-hash pycs (PEP 552), so nothing depends on timestamps
    and Python never re-reads the source to validate them, with ``runtime_root`` as the path
    tracebacks show. A layer without byte code makes every cold start compile its imports
    from source (``/opt`` is read-only). Files that do not compile (templates, Python 2 test
    data) are skipped, as ``compileall`` does."""
    if sys.version_info[:2] != (3, 11):
        raise PackagingError("byte code for the python3.11 runtime needs a Python 3.11 build")
    tag = sys.implementation.cache_tag
    compiled: dict[str, Path] = {}
    for name in sorted(files):
        if not name.startswith(site) or not name.endswith(".py"):
            continue
        relative = name[len(site) :]
        directory, _, filename = relative.rpartition("/")
        folder = f"{directory}/" if directory else ""
        arcname = f"{site}{folder}__pycache__/{filename[:-3]}.{tag}.pyc"
        source = files[name]
        if isinstance(source, bytes):
            source_path = work / "sources" / relative
            source_path.parent.mkdir(parents=True, exist_ok=True)
            source_path.write_bytes(source)
        else:
            source_path = source
        target = work / "pyc" / arcname
        try:
            py_compile.compile(
                str(source_path),
                cfile=str(target),
                dfile=f"{runtime_root}/{relative}",
                doraise=True,
                optimize=0,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeDecodeError):
            continue
        compiled[arcname] = target
    return compiled


def extract_zip(path: Path, dest: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(dest)


# --------------------------------------------------------------------------- functions


def discover_handlers(project: Path) -> dict[str, Path]:
    """``lambdas/<folder>/handler.py`` folders, by folder name, sorted."""
    lambdas = project / "lambdas"
    if not lambdas.is_dir():
        return {}
    return {
        handler.parent.name: handler.parent
        for handler in sorted(lambdas.glob("*/handler.py"))
        if handler.is_file()
    }


def function_files(folder: Path) -> dict[str, Path]:
    """What a function zip holds: ``handler.py`` and the ``.py`` files beside it, at the root
    (Lambda's handler is ``handler.lambda_handler``). Tests, caches and other files stay out."""
    handler = folder / "handler.py"
    if not handler.is_file():
        raise PackagingError(f"{handler} does not exist")
    return {
        path.name: path
        for path in sorted(folder.glob("*.py"))
        if path.is_file() and not path.name.startswith(("test_", "conftest"))
    }


# --------------------------------------------------------------------------- manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def project_version(project: Path) -> str:
    with (project / "pyproject.toml").open("rb") as stream:
        data = tomllib.load(stream)
    version = data.get("project", {}).get("version")
    if not isinstance(version, str):
        raise PackagingError("pyproject.toml has no [project] version")
    return version


def manifest_version(version: str, commit: str | None, dirty: bool) -> str:
    """``<version>+<short commit>`` for a clean checkout, ``<version>+dirty`` otherwise
    (uncommitted changes, or no git at all)."""
    if commit is None or dirty:
        return f"{version}+dirty"
    return f"{version}+{commit[:7]}"


#: What the artifacts are built from: a change elsewhere (docs, tests) leaves them clean.
SOURCE_PATHS = ("src", "lambdas", "glue_jobs", "pyproject.toml", "uv.lock")


def git_state(project: Path, paths: Sequence[str] = SOURCE_PATHS) -> tuple[str | None, bool]:
    """(HEAD commit or None, whether ``paths`` differ from it, untracked files included).
    Read-only: ``--no-optional-locks`` keeps ``git status`` from refreshing the index."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            [
                *("git", "--no-optional-locks", "status", "--porcelain"),
                *("--untracked-files=all", "--", *paths),
            ],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, True
    return head or None, bool(status.strip())


def build_manifest(out: Path, version: str, commit: str | None) -> dict[str, Any]:
    """Every file under ``out`` (but the manifest) by POSIX relative path -> sha256."""
    files = {
        name: file_sha256(path)
        for name, path in sorted(collect_tree(out).items())
        if name != "manifest.json" and not path.name.startswith(".")
    }
    return {"version": version, "commit": commit, "files": files}


def write_manifest(out: Path, version: str, commit: str | None) -> Path:
    path = out / "manifest.json"
    manifest = build_manifest(out, version, commit)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised
    version: str
    marker: str | None
    line: str


_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*"
    r"(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)


def parse_requirements(text: str) -> list[Requirement]:
    """The ``name==version ; marker`` lines of a ``uv export`` (comments, ``# via``
    annotations, hashes and options skipped)."""
    requirements: list[Requirement] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = _REQUIREMENT.match(line)
        if match is None:
            raise PackagingError(f"unexpected requirement line {line!r}")
        requirements.append(
            Requirement(
                name=normalise_name(match["name"]),
                version=match["version"],
                marker=match["marker"].strip() if match["marker"] else None,
                line=line,
            )
        )
    return requirements


def requirement_names(text: str) -> set[str]:
    return {requirement.name for requirement in parse_requirements(text)}


def pruned_packages(
    always: Iterable[str], unless_imported: Iterable[str], imported: Collection[str]
) -> tuple[str, ...]:
    """The packages to ``--prune``: ``always``, plus those of ``unless_imported`` that the
    code (``imported``: normalised distribution names) does not import."""
    wanted = {normalise_name(name) for name in imported}
    pruned = {normalise_name(name) for name in always}
    pruned |= {normalise_name(n) for n in unless_imported if normalise_name(n) not in wanted}
    return tuple(sorted(pruned))


def layer_pruned(imported_by_handlers: Collection[str]) -> tuple[str, ...]:
    return pruned_packages(LAYER_ALWAYS_PRUNED, LAYER_PRUNED_UNLESS_IMPORTED, imported_by_handlers)


def glue_pruned(imported_by_jobs: Collection[str]) -> tuple[str, ...]:
    return pruned_packages(GLUE_PROVIDED, GLUE_PRUNED_UNLESS_IMPORTED, imported_by_jobs)


def export_command(uv: str, *, extras: Sequence[str] = (), prune: Sequence[str] = ()) -> list[str]:
    """``uv export`` of the lock's runtime dependencies (no dev group, no hashes, not the
    project itself) with ``extras``, each of ``prune`` removed with its exclusive deps."""
    command = [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"]
    for extra in extras:
        command += ["--extra", extra]
    for name in prune:
        command += ["--prune", name]
    return command


def export_requirements(
    uv: str, project: Path, *, extras: Sequence[str] = (), prune: Sequence[str] = ()
) -> str:
    """The requirements text ``uv export`` generates from ``project``'s ``uv.lock``.
    Offline: ``--frozen`` reads the lock and nothing else."""
    result = run(export_command(uv, extras=extras, prune=prune), cwd=project)
    return result.stdout


def check_forbidden(text: str, forbidden: Iterable[str], what: str) -> None:
    found = sorted(requirement_names(text) & {normalise_name(name) for name in forbidden})
    if found:
        raise PackagingError(f"the {what} requirements include {', '.join(found)}")


# --------------------------------------------------------------------------- wheels in the lock


def lock_wheels(lock_text: str) -> dict[tuple[str, str], list[str]]:
    """(normalised name, version) -> the wheel file names ``uv.lock`` records for it."""
    lock = tomllib.loads(lock_text)
    wheels: dict[tuple[str, str], list[str]] = {}
    for package in lock.get("package", []):
        key = (normalise_name(package["name"]), str(package.get("version", "")))
        names = [
            unquote(wheel["url"].rsplit("/", 1)[-1])
            for wheel in package.get("wheels", [])
            if "url" in wheel
        ]
        names += [
            Path(wheel["path"]).name for wheel in package.get("wheels", []) if "path" in wheel
        ]
        wheels[key] = names
    return wheels


def wheel_tags(filename: str) -> tuple[set[str], set[str], set[str]]:
    """(python tags, ABI tags, platform tags) of a wheel file name."""
    stem = filename.removesuffix(".whl")
    parts = stem.split("-")
    if len(parts) not in (5, 6):
        raise PackagingError(f"not a wheel file name: {filename}")
    python, abi, platform = parts[-3:]
    return set(python.split(".")), set(abi.split(".")), set(platform.split("."))


def wheel_fits_lambda(filename: str, platforms: Collection[str] = LAMBDA_PLATFORM_TAGS) -> bool:
    """Whether the Lambda python3.11 x86_64 runtime can use this wheel."""
    pythons, abis, platform_tags = wheel_tags(filename)
    if not platform_tags & set(platforms):
        return False
    for python in pythons:
        for abi in abis:
            if abi == "cp311" and python == "cp311":
                return True
            if abi == "abi3" and re.fullmatch(r"cp3(\d+)", python) and int(python[3:]) <= 11:
                return True
            if abi == "none" and python in {"py3", "py311", "cp311"}:
                return True
    return False


def marker_applies(marker: str | None, environment: Mapping[str, str]) -> bool:
    if marker is None:
        return True
    from packaging.markers import Marker  # build-time only (a dev dependency)

    return Marker(marker).evaluate(dict(environment))


def wheel_gaps(
    requirements: Iterable[Requirement],
    wheels: Mapping[tuple[str, str], Sequence[str]],
    *,
    environment: Mapping[str, str] = RUNTIME_MARKER_ENVIRONMENT,
    fits: Callable[[str], bool] = wheel_fits_lambda,
) -> list[Requirement]:
    """The requirements (that apply in ``environment``) the lock has no fitting wheel for."""
    return [
        requirement
        for requirement in requirements
        if marker_applies(requirement.marker, environment)
        and not any(fits(name) for name in wheels.get((requirement.name, requirement.version), []))
    ]


def wheel_gap_message(gaps: Sequence[Requirement]) -> str:
    names = ", ".join(f"{gap.name}=={gap.version}" for gap in gaps)
    return (
        f"uv.lock pins {names} with no manylinux2014 x86_64 CPython 3.11 wheel: the Lambda "
        "python3.11 runtime (Amazon Linux 2, glibc 2.26) cannot load newer manylinux_2_28 "
        "wheels. Cap them in pyproject.toml, e.g. [tool.uv] constraint-dependencies = "
        '["numpy<2.3", "pillow<12.3"], then `uv lock`.'
    )


# --------------------------------------------------------------------------- tools


def find_uv(project: Path) -> str:
    """``$UV``, else ``uv`` on PATH, else the project's ``.tools/bin/uv``."""
    configured = os.environ.get("UV")
    if configured:
        return configured
    found = shutil.which("uv")
    if found:
        return found
    local = project / ".tools" / "bin" / "uv"
    if local.is_file():
        return str(local)
    raise PackagingError("uv not found: set UV, put uv on PATH or run `make setup`")


def run(
    command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command``, capturing its output; a failure raises with the tail of stderr."""
    result = subprocess.run(
        list(command),
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-25:])
        raise PackagingError(f"`{' '.join(command)}` failed ({result.returncode}):\n{tail}")
    return result


def tree_digest(root: Path, *, suffixes: Collection[str] = ()) -> str:
    """The sha256 of every file under ``root`` (relative path and content; only names
    ending in ``suffixes`` if given), for cache keys. A missing ``root`` digests as empty."""
    digest = hashlib.sha256()
    if root.exists():
        files = collect_tree(root) if root.is_dir() else {root.name: root}
        for name, path in sorted(files.items()):
            if suffixes and not name.endswith(tuple(suffixes)):
                continue
            digest.update(name.encode("utf-8") + b"\0" + file_sha256(path).encode() + b"\0")
    return digest.hexdigest()


def cache_key(*parts: str) -> str:
    """A cache key: the sha256 of the parts (requirements text, platform, digests...)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


# --------------------------------------------------------------------------- Lambda environment

#: Terraform's variables per function (docs/topology.md), beyond the ones every function has.
FUNCTION_VARIABLES: dict[str, tuple[str, ...]] = {
    "pipeline_trigger": (
        "DOCUMENTS_BUCKET",
        "INGESTION_STATE_MACHINE_ARN",
        "IDEMPOTENCY_TABLE",
        "MAX_DOCUMENT_BYTES",
        "CURATOR_TOPIC_ARN",
    ),
    "dispatch": (
        "DOCUMENTS_BUCKET",
        "TEXTRACT_TOPIC_ARN",
        "TEXTRACT_ROLE_ARN",
        "MAX_DOCUMENT_BYTES",
    ),
    "textract_callback": ("DOCUMENTS_BUCKET",),
    "neptune_load_start": ("DOCUMENTS_BUCKET", "NEPTUNE_ENDPOINT", "NEPTUNE_LOADER_ROLE_ARN"),
    "neptune_load_status": ("NEPTUNE_ENDPOINT",),
    "finalize": ("DOCUMENTS_BUCKET",),
    "notifier": ("CURATOR_TOPIC_ARN", "TRAVELLER_TOPIC_ARN"),
    "api": (
        "PROFILES_TABLE",
        "CONVERSATION_STATE_MACHINE_ARN",
        "NEPTUNE_ENDPOINT",
        "CONVERSATION_TTL_DAYS",
    ),
    "agent_step": (
        "PROFILES_TABLE",
        "MODEL_PROVIDER",
        "BEDROCK_MODEL_ID",
        "OPENAI_BASE_URL",
        "MAX_TOOL_ITERATIONS",
        "CONVERSATION_TTL_DAYS",
        "NEPTUNE_ENDPOINT",  # with the offline agent (the default)
    ),
    "tool_executor": ("PROFILES_TABLE", "NEPTUNE_ENDPOINT", "CONVERSATION_TTL_DAYS"),
}

#: An address nothing listens on (the discard port): a connection fails at once.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9"
_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class FakeDeployment:
    prefix: str = "loyalty-bench"
    region: str = "eu-west-1"
    endpoint: str = UNREACHABLE_ENDPOINT
    extra: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        p, r, a = self.prefix, self.region, _ACCOUNT
        return {
            "DOCUMENTS_BUCKET": f"{p}-documents-{a}",
            "INGESTION_STATE_MACHINE_ARN": f"arn:aws:states:{r}:{a}:stateMachine:{p}-ingestion",
            "CONVERSATION_STATE_MACHINE_ARN": f"arn:aws:states:{r}:{a}:stateMachine:"
            f"{p}-conversation",
            "IDEMPOTENCY_TABLE": f"{p}-idempotency",
            "PROFILES_TABLE": f"{p}-profiles",
            "MAX_DOCUMENT_BYTES": "5000000",
            "CURATOR_TOPIC_ARN": f"arn:aws:sns:{r}:{a}:{p}-curator",
            "TRAVELLER_TOPIC_ARN": f"arn:aws:sns:{r}:{a}:{p}-traveller",
            "TEXTRACT_TOPIC_ARN": f"arn:aws:sns:{r}:{a}:{p}-textract",
            "TEXTRACT_ROLE_ARN": f"arn:aws:iam::{a}:role/{p}-textract",
            "NEPTUNE_ENDPOINT": self.endpoint,
            "NEPTUNE_LOADER_ROLE_ARN": f"arn:aws:iam::{a}:role/{p}-neptune-loader",
            "CONVERSATION_TTL_DAYS": "30",
            "MODEL_PROVIDER": "offline",
            "BEDROCK_MODEL_ID": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "OPENAI_BASE_URL": f"{self.endpoint}/v1",
            "MAX_TOOL_ITERATIONS": "6",
        }


def lambda_environment(
    folder: str, deployment: FakeDeployment | None = None, *, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a function gets on Lambda: Terraform's variables for ``folder`` (fake
    values), the runtime's own (region, function name, fake credentials) and
    ``AWS_ENDPOINT_URL`` pointing where nothing answers, so an import that reaches the
    network fails fast instead of passing. ``base`` (default: ``PATH``, ``HOME``, ``LANG``
    of this process) is kept underneath."""
    deployment = deployment or FakeDeployment()
    if base is None:
        base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    values = deployment.values()
    function_name = f"{deployment.prefix}-{folder.replace('_', '-')}"
    environment = dict(base)
    environment.update(
        {
            "POWERTOOLS_SERVICE_NAME": folder,
            "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "ENVIRONMENT": "bench",
            "AWS_REGION": deployment.region,
            "AWS_DEFAULT_REGION": deployment.region,
            "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
            "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key",
            "AWS_SESSION_TOKEN": "fake-session-token",
            "AWS_ENDPOINT_URL": deployment.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "1",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "LAMBDA_TASK_ROOT": "/var/task",
            "_HANDLER": "handler.lambda_handler",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    environment.update({name: values[name] for name in FUNCTION_VARIABLES.get(folder, ())})
    environment.update(deployment.extra)
    return environment


# --------------------------------------------------------------------------- import probe

#: Runs in a fresh interpreter: ``python [-I -S] -c PROBE <dir> <module> <result.json>
#: [extra sys.path entries...]``. Times the import of ``module`` from ``dir`` (what Lambda's
#: init does), records every socket connect / DNS lookup it makes, and the distributions
#: it loaded.
IMPORT_PROBE = r"""
import sys, time
_start = time.perf_counter()
import json, resource, traceback
directory, module, result_path, *extra = sys.argv[1:]
network = []
def _audit(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
        network.append([event, repr(args[1:] if event != "socket.getaddrinfo" else args[:2])])
sys.addaudithook(_audit)
for entry in reversed(extra):
    sys.path.insert(0, entry)
sys.path.insert(0, directory)
before = set(sys.modules)
result = {"module": module, "ok": True}
c0, t0 = time.process_time(), time.perf_counter()
try:
    __import__(module)  # the import statement's path: -X importtime times it, unlike importlib
except BaseException:
    result["ok"] = False
    result["error"] = traceback.format_exc()
t1, c1 = time.perf_counter(), time.process_time()
result["importSeconds"] = t1 - t0
result["importCpuSeconds"] = c1 - c0
result["sincePythonCodeSeconds"] = t1 - _start
result["maxRssKiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result["network"] = network
import os
new_modules = [sys.modules[name] for name in set(sys.modules) - before if name in sys.modules]
tops = sorted({name.split(".")[0] for name in set(sys.modules) - before})
sources = [m for m in new_modules if str(getattr(m, "__file__", "")).endswith(".py")]
cached = [m for m in sources if os.path.exists(str(getattr(m, "__cached__", "")))]
result["modules"] = len(new_modules)
result["sourceModules"] = len(sources)
result["bytecodeCached"] = len(cached)
result["topLevelModules"] = tops
try:
    import importlib.metadata as metadata
    mapping = metadata.packages_distributions()
    result["distributions"] = sorted({d for t in tops for d in mapping.get(t, [])})
except Exception as exc:
    result["distributions"] = None
    result["distributionsError"] = repr(exc)
with open(result_path, "w", encoding="utf-8") as stream:
    json.dump(result, stream)
"""


@dataclass(frozen=True)
class ProbeResult:
    module: str
    ok: bool
    import_seconds: float
    import_cpu_seconds: float
    process_seconds: float
    modules: int
    source_modules: int
    bytecode_cached: int
    distributions: tuple[str, ...]
    network: tuple[str, ...]
    max_rss_kib: int
    error: str | None
    stderr: str

    @property
    def error_summary(self) -> str:
        text = (self.error or self.stderr or "").strip().splitlines()
        return text[-1] if text else "failed"


def probe_import(
    directory: Path,
    module: str,
    *,
    python: str = sys.executable,
    environment: Mapping[str, str] | None = None,
    isolated_paths: Sequence[Path] | None = None,
    python_options: Sequence[str] = (),
    timeout: float = 120.0,
) -> ProbeResult:
    """Import ``module`` from ``directory`` in a fresh ``python``. With ``isolated_paths``
    the interpreter runs with ``-I -S -B`` (no site-packages, no user site, no PYTHONPATH, no
    byte code written: Lambda's ``/opt`` is read-only) and only those paths (e.g. the
    extracted layer's ``python/``) besides the standard library: what Lambda gives a
    handler."""
    import time

    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [python, *python_options]
        if isolated_paths is not None:
            command += ["-I", "-S", "-B"]  # -I ignores PYTHONDONTWRITEBYTECODE; /opt is read-only
        command += ["-c", IMPORT_PROBE, str(directory.resolve()), module, str(result_path)]
        command += [str(path.resolve()) for path in isolated_paths or ()]
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            env=None if environment is None else dict(environment),
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        elapsed = time.perf_counter() - started
        data: dict[str, Any] = {}
        if result_path.is_file():
            data = json.loads(result_path.read_text(encoding="utf-8"))
    return ProbeResult(
        module=module,
        ok=bool(data.get("ok")) and completed.returncode == 0,
        import_seconds=float(data.get("importSeconds", 0.0)),
        import_cpu_seconds=float(data.get("importCpuSeconds", 0.0)),
        process_seconds=elapsed,
        modules=int(data.get("modules", 0)),
        source_modules=int(data.get("sourceModules", 0)),
        bytecode_cached=int(data.get("bytecodeCached", 0)),
        distributions=tuple(normalise_name(d) for d in data.get("distributions") or ()),
        network=tuple(f"{event} {args}" for event, args in data.get("network", ())),
        max_rss_kib=int(data.get("maxRssKiB", 0)),
        error=data.get("error"),
        stderr=completed.stderr,
    )


def imported_distributions(
    scripts: Mapping[str, Path],
    *,
    environment_for: Callable[[str], Mapping[str, str]] | None = None,
    python: str = sys.executable,
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """For each ``name -> script.py``: the distributions importing it loads, in a fresh
    ``python`` (the project's environment). Returns (name -> distributions, name -> error)
    for the scripts that could not be imported."""

    def probe(name: str) -> ProbeResult:
        environment = dict(environment_for(name)) if environment_for else None
        script = scripts[name]
        return probe_import(script.parent, script.stem, python=python, environment=environment)

    found: dict[str, set[str]] = {}
    failures: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 1)) as pool:
        for name, result in zip(scripts, pool.map(probe, scripts), strict=True):
            if result.ok:
                found[name] = set(result.distributions)
            else:
                failures[name] = result.error_summary
    return found, failures


# --------------------------------------------------------------------------- importtime


@dataclass(frozen=True)
class ImportTime:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def parse_importtime(stderr: str) -> list[ImportTime]:
    """The lines ``python -X importtime`` writes to stderr."""
    entries: list[ImportTime] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        try:
            _, rest = line.split(":", 1)
            self_part, cumulative_part, name_part = rest.split("|", 2)
            name = name_part.rstrip()
            stripped = name.lstrip(" ")
            depth = (len(name) - len(stripped) - 1) // 2
            entries.append(
                ImportTime(stripped, int(self_part), int(cumulative_part), max(depth, 0))
            )
        except ValueError:
            continue
    return entries


def import_subtree(entries: Sequence[ImportTime], module: str) -> list[ImportTime]:
    """What importing ``module`` imported, from ``parse_importtime``'s entries: the ones
    printed before ``module``'s own line (children come first) back to the previous entry
    at its depth. Empty when ``module`` is not there."""
    for index, entry in enumerate(entries):
        if entry.module == module:
            start = index
            while start > 0 and entries[start - 1].depth > entry.depth:
                start -= 1
            return list(entries[start:index])
    return []
