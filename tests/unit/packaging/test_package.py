"""Packaging (src/loyalty_maximizer/packaging.py, scripts/package.py): deterministic zips,
function zips, the manifest, what the requirements leave out, the size guard. Fast and
offline: nothing is downloaded (``uv export --frozen`` only reads uv.lock)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from loyalty_maximizer import packaging as pk

ROOT = Path(__file__).resolve().parents[3]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_tree(root: Path, files: dict[str, bytes], order: list[str] | None = None) -> Path:
    for name in order or list(files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
    return root


TREE = {
    "python/pkg/__init__.py": b"",
    "python/pkg/core.py": b"VALUE = 1\n",
    "python/pkg/data/table.json": b'{"a": 1}\n',
    "python/other.py": b"import pkg\n",
}


# --------------------------------------------------------------------------- deterministic zips


def test_zip__same_tree_twice__identical_bytes(tmp_path: Path) -> None:
    # GIVEN one tree  WHEN zipped twice
    tree = make_tree(tmp_path / "tree", TREE)
    first = pk.write_deterministic_zip(tmp_path / "a.zip", pk.collect_tree(tree))
    second = pk.write_deterministic_zip(tmp_path / "b.zip", pk.collect_tree(tree))
    # THEN the archives are byte for byte the same
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first.sha256 == second.sha256 == sha256(tmp_path / "a.zip")


def test_zip__other_mtimes_permissions_and_creation_order__identical_bytes(
    tmp_path: Path,
) -> None:
    # GIVEN the same contents written in another order, with other times and modes
    first = make_tree(tmp_path / "first", TREE)
    second = make_tree(tmp_path / "second", TREE, order=sorted(TREE, reverse=True))
    for index, path in enumerate(sorted(p for p in second.rglob("*") if p.is_file())):
        os.utime(path, (1_700_000_000 + index * 1000, 1_700_000_000 + index * 1000))
        path.chmod(0o755 if index % 2 else 0o600)
    (second / "python" / "pkg").chmod(0o700)
    # AND a mapping built in a different key order
    files = pk.collect_tree(second)
    shuffled = dict(sorted(files.items(), key=lambda item: item[0][::-1]))
    # WHEN both are zipped
    a = pk.write_deterministic_zip(tmp_path / "a.zip", pk.collect_tree(first))
    b = pk.write_deterministic_zip(tmp_path / "b.zip", shuffled)
    # THEN the bytes are the same
    assert a.sha256 == b.sha256


def test_zip__content_change__different_hash(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", TREE)
    before = pk.write_deterministic_zip(tmp_path / "a.zip", pk.collect_tree(tree))
    (tree / "python" / "pkg" / "core.py").write_bytes(b"VALUE = 2\n")
    after = pk.write_deterministic_zip(tmp_path / "b.zip", pk.collect_tree(tree))
    assert before.sha256 != after.sha256


def test_zip__entries_sorted_with_fixed_time_modes_and_compression(tmp_path: Path) -> None:
    # GIVEN files as paths and as bytes
    tree = make_tree(tmp_path / "tree", TREE)
    files: dict[str, pk.ZipSource] = {**pk.collect_tree(tree), "python/z/generated.txt": b"x"}
    stats = pk.write_deterministic_zip(tmp_path / "out.zip", files)
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        infos = archive.infolist()
        # THEN every entry is sorted, dated 1980-01-01, Unix, 0644 files and 0755 directories
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert "python/" in names
        assert "python/pkg/data/" in names
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.create_system == 3
            assert info.extra == b""
            mode = info.external_attr >> 16
            if info.is_dir():
                assert stat.S_ISDIR(mode)
                assert stat.S_IMODE(mode) == 0o755
            else:
                assert stat.S_ISREG(mode)
                assert stat.S_IMODE(mode) == 0o644
                assert info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("python/pkg/core.py") == b"VALUE = 1\n"
    assert stats.entries == len(infos)
    assert stats.unzipped_bytes == sum(len(v) for v in TREE.values()) + 1


def test_zip__without_directories__only_files(tmp_path: Path) -> None:
    pk.write_deterministic_zip(tmp_path / "f.zip", {"b.py": b"b", "a.py": b"a"}, directories=False)
    assert zipfile.ZipFile(tmp_path / "f.zip").namelist() == ["a.py", "b.py"]


@pytest.mark.parametrize("name", ["/abs.py", "../up.py", "a//b.py", "dir/", ""])
def test_zip__unsafe_archive_path__rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(pk.PackagingError, match="invalid archive path"):
        pk.write_deterministic_zip(tmp_path / "x.zip", {name: b"x"})


def test_collect_tree__skips_byte_code_and_pycache(tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path / "t",
        {
            "pkg/mod.py": b"",
            "pkg/__pycache__/mod.cpython-311.pyc": b"\0",
            "pkg/stale.pyc": b"\0",
        },
    )
    assert list(pk.collect_tree(tree, "python/")) == ["python/pkg/mod.py"]


def test_merge_trees__same_path_twice__error() -> None:
    with pytest.raises(pk.PackagingError, match="twice"):
        pk.merge_trees({"python/a.py": b"1"}, {"python/a.py": b"2"})


# --------------------------------------------------------------------------- installed metadata


def record(rows: list[tuple[str, str, str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def installed_tree(record_rows: list[tuple[str, str, str]]) -> dict[str, pk.ZipSource]:
    return {
        "python/.lock": b"",
        "python/bin/tool": b"#!/home/builder/.venv/bin/python\n",
        "python/demo/__init__.py": b"",
        "python/demo/__pycache__/__init__.cpython-311.pyc": b"\0",
        "python/demo-1.0.dist-info/METADATA": b"Name: demo\n",
        "python/demo-1.0.dist-info/INSTALLER": b"uv\n",
        "python/demo-1.0.dist-info/REQUESTED": b"",
        "python/demo-1.0.dist-info/direct_url.json": b'{"url": "file:///tmp/build-123/demo.whl"}',
        "python/demo-1.0.dist-info/RECORD": record(record_rows),
    }


RECORD_ROWS = [
    ("demo/__init__.py", "sha256=abc", "0"),
    ("../../bin/tool", "sha256=def", "34"),
    ("bin/tool", "sha256=def", "34"),
    ("demo-1.0.dist-info/INSTALLER", "sha256=ghi", "3"),
    ("demo-1.0.dist-info/METADATA", "sha256=jkl", "11"),
    ("demo-1.0.dist-info/direct_url.json", "", ""),
    ("demo/__pycache__/__init__.cpython-311.pyc", "", ""),
    ("demo-1.0.dist-info/RECORD", "", ""),
]


def test_normalise_installed__drops_machine_specific_files() -> None:
    kept = pk.normalise_installed(installed_tree(RECORD_ROWS), "python/")
    assert sorted(kept) == [
        "python/demo-1.0.dist-info/METADATA",
        "python/demo-1.0.dist-info/RECORD",
        "python/demo/__init__.py",
    ]


def test_normalise_installed__record_lists_what_ships_sorted() -> None:
    kept = pk.normalise_installed(installed_tree(RECORD_ROWS), "python/")
    rows = list(csv.reader(io.StringIO(bytes(kept["python/demo-1.0.dist-info/RECORD"]).decode())))
    assert rows == [
        ["demo-1.0.dist-info/METADATA", "sha256=jkl", "11"],
        ["demo/__init__.py", "sha256=abc", "0"],
        ["demo-1.0.dist-info/RECORD", "", ""],
    ]


def test_normalise_installed__record_order_does_not_matter() -> None:
    shuffled = list(reversed(RECORD_ROWS))
    a = pk.normalise_installed(installed_tree(RECORD_ROWS), "python/")
    b = pk.normalise_installed(installed_tree(shuffled), "python/")
    assert a["python/demo-1.0.dist-info/RECORD"] == b["python/demo-1.0.dist-info/RECORD"]


def test_normalise_wheel__modes_and_times_fixed_dist_info_last(tmp_path: Path) -> None:
    # GIVEN a wheel with an executable file, a real timestamp and the package after metadata
    source = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(source, "w") as wheel:
        for name, mode in [
            ("demo-1.0.dist-info/RECORD", 0o644),
            ("demo-1.0.dist-info/METADATA", 0o644),
            ("demo/cli.py", 0o755),
            ("demo/__init__.py", 0o644),
        ]:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 7, 8, 9))
            info.external_attr = (0o100000 | mode) << 16
            wheel.writestr(info, name.encode())
    # WHEN normalised
    pk.normalise_wheel(source, tmp_path / "out" / source.name)
    with zipfile.ZipFile(tmp_path / "out" / source.name) as wheel:
        infos = wheel.infolist()
    # THEN the package comes first, RECORD last, all 0644 at 1980-01-01, contents unchanged
    assert [i.filename for i in infos] == [
        "demo/__init__.py",
        "demo/cli.py",
        "demo-1.0.dist-info/METADATA",
        "demo-1.0.dist-info/RECORD",
    ]
    assert {stat.S_IMODE(i.external_attr >> 16) for i in infos} == {0o644}
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert pk.read_zip(tmp_path / "out" / source.name)["demo/cli.py"] == b"demo/cli.py"


# --------------------------------------------------------------------------- the size guard


def test_size_guard__over_a_tiny_limit__fails_naming_the_largest_parts() -> None:
    sizes = pk.sizes_of(
        {"python/big/a.so": b"x" * 600, "python/big/b.py": b"x" * 100, "python/small.py": b"x"}
    )
    with pytest.raises(pk.PackagingError, match=r"over the limit") as error:
        pk.check_unzipped_size(sizes, limit=500)
    assert "python/big" in str(error.value)


def test_size_guard__at_or_under_the_limit__returns_the_size() -> None:
    assert pk.check_unzipped_size({"a": 300, "b": 200}, limit=500) == 500


def test_size_guard__default_is_lambdas_250_mib() -> None:
    assert pk.LAMBDA_UNZIPPED_LIMIT == 250 * 2**20
    pk.check_unzipped_size({"python/x": pk.LAMBDA_UNZIPPED_LIMIT})
    with pytest.raises(pk.PackagingError):
        pk.check_unzipped_size({"python/x": pk.LAMBDA_UNZIPPED_LIMIT + 1})


def test_zip_sizes_and_stats__read_back_from_the_archive(tmp_path: Path) -> None:
    written = pk.write_deterministic_zip(tmp_path / "a.zip", {"d/a.txt": b"abc", "b.txt": b"de"})
    assert pk.zip_sizes(tmp_path / "a.zip") == {"b.txt": 2, "d/a.txt": 3}
    assert pk.zip_stats(tmp_path / "a.zip") == written


# --------------------------------------------------------------------------- functions


def make_project(root: Path) -> Path:
    make_tree(
        root,
        {
            "lambdas/api/handler.py": b"def lambda_handler(event, context):\n    return {}\n",
            "lambdas/api/routes.py": b"ROUTES = []\n",
            "lambdas/api/event.json": b"{}",
            "lambdas/api/test_handler.py": b"def test(): pass\n",
            "lambdas/api/__pycache__/handler.cpython-311.pyc": b"\0",
            "lambdas/notifier/handler.py": b"def lambda_handler(event, context):\n    pass\n",
            "lambdas/README.md": b"not a function\n",
            "lambdas/wip/notes.py": b"# no handler yet\n",
            "pyproject.toml": b'[project]\nname = "demo"\nversion = "1.2.3"\n',
        },
    )
    return root


def test_discover_handlers__folders_with_a_handler_only(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert pk.discover_handlers(project) == {
        "api": project / "lambdas" / "api",
        "notifier": project / "lambdas" / "notifier",
    }
    assert pk.discover_handlers(tmp_path / "nowhere") == {}


def test_function_zip__handler_and_sibling_modules_at_the_root(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    files = pk.function_files(project / "lambdas" / "api")
    pk.write_deterministic_zip(tmp_path / "api.zip", files, directories=False)
    assert zipfile.ZipFile(tmp_path / "api.zip").namelist() == ["handler.py", "routes.py"]


def test_function_files__no_handler__error(tmp_path: Path) -> None:
    with pytest.raises(pk.PackagingError, match=r"handler\.py"):
        pk.function_files(make_project(tmp_path) / "lambdas" / "wip")


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"script_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_package_cli__only_functions__zips_and_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a project with two handlers (not a git checkout) and uv never needed
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("UV", str(tmp_path / "no-uv-needed"))
    package = load_script("package")
    out = tmp_path / "out"
    (out / "functions").mkdir(parents=True)
    (out / "functions" / "removed.zip").write_bytes(b"stale")
    # WHEN only the functions are built
    cache = ["--cache-dir", str(tmp_path / "cache")]
    status = package.main(
        ["--project", str(project), "--out", str(out), "--only", "functions", *cache]
    )
    # THEN one zip per handler, stale zips gone, and a manifest of every file
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"]
    assert summary["built"] == ["functions"]
    assert sorted(p.name for p in (out / "functions").iterdir()) == ["api.zip", "notifier.zip"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest == {
        "version": "1.2.3+dirty",
        "commit": None,
        "files": {
            "functions/api.zip": sha256(out / "functions" / "api.zip"),
            "functions/notifier.zip": sha256(out / "functions" / "notifier.zip"),
        },
    }
    # AND a second build elsewhere gives the same bytes
    again = tmp_path / "again"
    package.main(["--project", str(project), "--out", str(again), "--only", "functions", *cache])
    assert (tmp_path / "again" / "manifest.json").read_bytes() == (
        out / "manifest.json"
    ).read_bytes()


# --------------------------------------------------------------------------- manifest


def test_manifest__every_file_but_itself_by_posix_path(tmp_path: Path) -> None:
    out = make_tree(
        tmp_path / "out",
        {"layer.zip": b"L", "functions/api.zip": b"A", "glue/requirements.txt": b"R"},
    )
    (out / "manifest.json").write_text("{}")
    manifest = pk.build_manifest(out, "0.1.0+abc1234", "abc1234" + "0" * 33)
    assert manifest["version"] == "0.1.0+abc1234"
    assert manifest["files"] == {
        "functions/api.zip": hashlib.sha256(b"A").hexdigest(),
        "glue/requirements.txt": hashlib.sha256(b"R").hexdigest(),
        "layer.zip": hashlib.sha256(b"L").hexdigest(),
    }


def test_manifest__written_deterministically(tmp_path: Path) -> None:
    for name in ("a", "b"):
        make_tree(tmp_path / name, {"z.zip": b"z", "a/b.zip": b"b"}, order=None)
    first = pk.write_manifest(tmp_path / "a", "1.0+dirty", None).read_bytes()
    second = pk.write_manifest(tmp_path / "b", "1.0+dirty", None).read_bytes()
    assert first == second
    assert first.endswith(b"\n")
    assert list(json.loads(first)) == ["commit", "files", "version"]


@pytest.mark.parametrize(
    ("commit", "dirty", "expected"),
    [
        ("0123456789abcdef0123456789abcdef01234567", False, "0.1.0+0123456"),
        ("0123456789abcdef0123456789abcdef01234567", True, "0.1.0+dirty"),
        (None, False, "0.1.0+dirty"),
    ],
)
def test_manifest_version(commit: str | None, dirty: bool, expected: str) -> None:
    assert pk.manifest_version("0.1.0", commit, dirty) == expected


def test_project_version__from_pyproject(tmp_path: Path) -> None:
    assert pk.project_version(make_project(tmp_path)) == "1.2.3"


# --------------------------------------------------------------------------- requirements

EXPORT = """\
# This file was autogenerated by uv via the following command:
#    uv export --frozen --no-dev --no-hashes --no-emit-project
boto3==1.44.5
    # via loyalty-maximizer
cffi==2.1.1 ; platform_python_implementation != 'PyPy'
    # via cryptography
Typing_Extensions==4.16.0
    # via
    #   pydantic
soupsieve==2.10 ; python_full_version < '3.11.5'
soupsieve==4.1.2 ; python_full_version >= '3.11.5'
"""


def test_parse_requirements__names_versions_markers() -> None:
    parsed = pk.parse_requirements(EXPORT)
    assert [(r.name, r.version, r.marker) for r in parsed] == [
        ("boto3", "1.44.5", None),
        ("cffi", "2.1.1", "platform_python_implementation != 'PyPy'"),
        ("typing-extensions", "4.16.0", None),
        ("soupsieve", "2.10", "python_full_version < '3.11.5'"),
        ("soupsieve", "4.1.2", "python_full_version >= '3.11.5'"),
    ]


def test_parse_requirements__unexpected_line__error() -> None:
    with pytest.raises(pk.PackagingError, match="unexpected requirement"):
        pk.parse_requirements("pydantic>=2\n")


def test_layer_pruned__local_only_always__cli_unless_a_handler_imports_it() -> None:
    assert pk.layer_pruned(set()) == ("ladybug", "mcp", "rich", "typer")
    assert pk.layer_pruned({"rich", "pydantic"}) == ("ladybug", "mcp", "typer")
    # Even when a handler imports them, ladybug and mcp stay out (the import check fails).
    assert pk.layer_pruned({"ladybug", "mcp"}) == ("ladybug", "mcp", "rich", "typer")


def test_glue_pruned__what_glue_ships_always__the_rest_unless_imported() -> None:
    assert pk.glue_pruned({"ladybug"}) == ("boto3", "botocore", "mcp", "pyspark", "rich", "typer")
    assert pk.glue_pruned({"pyspark", "boto3"}) == (
        "boto3",
        "botocore",
        "ladybug",
        "mcp",
        "pyspark",
        "rich",
        "typer",
    )


def test_export_command__frozen_runtime_only_with_extras_and_prunes() -> None:
    assert pk.export_command("uv", extras=["glue"], prune=["boto3", "mcp"]) == [
        "uv",
        "export",
        "--frozen",
        "--no-dev",
        "--no-hashes",
        "--no-emit-project",
        "--extra",
        "glue",
        "--prune",
        "boto3",
        "--prune",
        "mcp",
    ]


def test_check_forbidden__names_what_must_not_ship() -> None:
    with pytest.raises(pk.PackagingError, match="boto3"):
        pk.check_forbidden(EXPORT, ["Boto3", "pyspark"], "Glue")
    pk.check_forbidden(EXPORT, ["pyspark"], "Glue")


def installed_uv() -> str | None:
    try:
        found = pk.find_uv(ROOT)
    except pk.PackagingError:
        return None
    return found if shutil.which(found) else None


UV = installed_uv()
needs_uv = pytest.mark.skipif(UV is None, reason="uv is not installed")


def test_find_uv__the_uv_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV", "/opt/custom/uv")
    assert pk.find_uv(ROOT) == "/opt/custom/uv"


@pytest.fixture(scope="module")
def export() -> Callable[..., set[str]]:
    def run(**options: list[str]) -> set[str]:
        assert UV is not None
        return pk.requirement_names(pk.export_requirements(UV, ROOT, **options))

    return run


@needs_uv
def test_layer_requirements_from_the_lock__lambda_only(export: Callable[..., set[str]]) -> None:
    # GIVEN the project's lock  WHEN exported for the layer (no handler imports typer/rich)
    names = export(prune=list(pk.layer_pruned(set())))
    # THEN the handlers' runtime is there, boto3 pinned too
    assert {"pydantic", "aws-lambda-powertools", "boto3", "botocore", "requests"} <= names
    # AND nothing local-only, Spark or Glue, nor what only those need
    excluded = {"pyspark", "py4j", "awswrangler", "pandas", "pyarrow", "ladybug", "mcp"}
    excluded |= {"typer", "rich", "starlette", "uvicorn", "sse-starlette", "pygments"}
    assert not names & excluded


@needs_uv
def test_glue_requirements_from_the_lock__minus_what_glue_ships(
    export: Callable[..., set[str]],
) -> None:
    # GIVEN jobs that import the embedded graph  WHEN exported with the glue extra
    names = export(extras=list(pk.GLUE_EXTRAS), prune=list(pk.glue_pruned({"ladybug"})))
    # THEN awswrangler and its stack are in, Glue's own Spark and boto3 out
    assert {"awswrangler", "pandas", "pyarrow", "pydantic", "ladybug"} <= names
    assert not names & {"pyspark", "py4j", "boto3", "botocore", "mcp", "typer", "rich"}


# --------------------------------------------------------------------------- Lambda wheels


@pytest.mark.parametrize(
    ("wheel", "fits"),
    [
        ("numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", True),
        ("numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", False),
        ("cryptography-50.0.2-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", True),
        ("cryptography-44.0.0-cp39-abi3-manylinux_2_17_x86_64.whl", True),
        ("x-1.0-cp312-abi3-manylinux2014_x86_64.whl", False),
        ("wrapt-2.5.2-cp311-cp311-manylinux1_x86_64.manylinux_2_28_x86_64.whl", True),
        ("six-1.17.0-py2.py3-none-any.whl", True),
        ("pypdfium2-5.15.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", True),
        ("pydantic_core-2.50.4-cp312-cp312-manylinux2014_x86_64.whl", False),
        ("lxml-6.1.3-cp311-cp311-manylinux2014_aarch64.whl", False),
        ("pillow-13.0.0-cp311-cp311-musllinux_1_2_x86_64.whl", False),
        ("pillow-13.0.0-cp311-cp311-macosx_10_10_x86_64.whl", False),
        ("demo-1.0-1build-py3-none-any.whl", True),
    ],
)
def test_wheel_fits_lambda(wheel: str, fits: bool) -> None:
    assert pk.wheel_fits_lambda(wheel) is fits


LOCK = """\
version = 1

[[package]]
name = "numpy"
version = "2.4.6"
wheels = [
    { url = "https://f/numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl" },
]

[[package]]
name = "soupsieve"
version = "2.10"
wheels = [{ url = "https://files/soupsieve-2.10-py3-none-any.whl" }]

[[package]]
name = "soupsieve"
version = "4.1.2"
sdist = { url = "https://files/soupsieve-4.1.2.tar.gz" }

[[package]]
name = "boto3"
version = "1.44.5"
wheels = [{ url = "https://files/boto3-1.44.5-py3-none-any.whl" }]
"""


def test_wheel_gaps__only_requirements_that_apply_on_lambda() -> None:
    requirements = pk.parse_requirements(
        "numpy==2.4.6\nboto3==1.44.5\n"
        "soupsieve==2.10 ; python_full_version < '3.11.5'\n"
        "soupsieve==4.1.2 ; python_full_version >= '3.11.5'\n"
        "pywin32==312 ; sys_platform == 'win32'\n"
    )
    gaps = pk.wheel_gaps(requirements, pk.lock_wheels(LOCK))
    # numpy has only glibc 2.28 wheels; soupsieve 4.1.2 (3.11.5+) only an sdist
    assert [(g.name, g.version) for g in gaps] == [("numpy", "2.4.6"), ("soupsieve", "4.1.2")]
    assert "numpy==2.4.6" in pk.wheel_gap_message(gaps)


@needs_uv
def test_the_lock_has_a_lambda_wheel_for_every_layer_requirement() -> None:
    # The Lambda python3.11 runtime is Amazon Linux 2 (glibc 2.26): a pin whose x86_64
    # wheels are all manylinux_2_28 cannot be loaded there (cap it in pyproject.toml).
    assert UV is not None
    text = pk.export_requirements(UV, ROOT, prune=list(pk.layer_pruned(set())))
    gaps = pk.wheel_gaps(
        pk.parse_requirements(text), pk.lock_wheels((ROOT / "uv.lock").read_text())
    )
    assert not gaps, pk.wheel_gap_message(gaps)


# --------------------------------------------------------------------------- byte code


def test_compile_bytecode__unchecked_hash_pycs_deterministic(tmp_path: Path) -> None:
    files: dict[str, pk.ZipSource] = {
        "python/pkg/__init__.py": b"",
        "python/pkg/mod.py": b"def f():\n    return 1\n",
        "python/pkg/broken.py": b"def (:\n",
        "python/pkg/data.json": b"{}",
    }
    first = pk.compile_bytecode(files, "python/", tmp_path / "a")
    second = pk.compile_bytecode(files, "python/", tmp_path / "b")
    tag = sys.implementation.cache_tag
    assert sorted(first) == [
        f"python/pkg/__pycache__/__init__.{tag}.pyc",
        f"python/pkg/__pycache__/mod.{tag}.pyc",
    ]
    for name, path in first.items():
        data = path.read_bytes()
        assert data == second[name].read_bytes()
        assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, not checked


# --------------------------------------------------------------------------- environment, probe


def test_lambda_environment__topology_variables_and_no_reachable_endpoint() -> None:
    environment = pk.lambda_environment("api", base={})
    for name in ("PROFILES_TABLE", "CONVERSATION_STATE_MACHINE_ARN", "NEPTUNE_ENDPOINT"):
        assert environment[name]
    assert environment["POWERTOOLS_SERVICE_NAME"] == "api"
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "LoyaltyMaximizer"
    assert environment["AWS_DEFAULT_REGION"] == environment["AWS_REGION"]
    assert environment["AWS_ENDPOINT_URL"] == pk.UNREACHABLE_ENDPOINT
    assert "DOCUMENTS_BUCKET" not in environment
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "loyalty-bench-api"


def test_lambda_environment__every_function_of_the_topology() -> None:
    topology = (ROOT / "docs" / "topology.md").read_text()
    for folder, variables in pk.FUNCTION_VARIABLES.items():
        line = next(line for line in topology.splitlines() if line.startswith(f"| {folder} |"))
        assert sorted(variables) == sorted(re.findall(r"`([A-Z][A-Z0-9_]+)`", line))


def test_probe__times_the_import_and_records_network_calls(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "handler.py": b"import socket\n"
            b"try:\n    socket.create_connection(('127.0.0.1', 9), timeout=0.5)\n"
            b"except OSError:\n    pass\n"
        },
    )
    result = pk.probe_import(tmp_path, "handler", environment=pk.lambda_environment("x"))
    assert result.ok
    assert result.import_seconds > 0
    assert any("socket.connect" in call and "127.0.0.1" in call for call in result.network)


def test_probe__isolated__only_the_given_paths(tmp_path: Path) -> None:
    # GIVEN a handler importing pydantic, which this environment has but the "layer" lacks
    make_tree(tmp_path / "fn", {"handler.py": b"import pydantic\n"})
    make_tree(tmp_path / "layer", {"python/helper.py": b""})
    result = pk.probe_import(
        tmp_path / "fn", "handler", isolated_paths=[tmp_path / "layer" / "python"]
    )
    assert not result.ok
    assert "No module named 'pydantic'" in result.error_summary
    assert not (tmp_path / "fn" / "__pycache__").exists()


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 | json
import time:        50 |         50 |     botocore.utils
import time:       200 |        250 |   botocore
import time:        30 |         30 |   pkg.small
import time:        10 |        290 | handler
import time:         5 |          5 | traceback
"""


def test_importtime__parsed_and_the_handlers_subtree() -> None:
    entries = pk.parse_importtime(IMPORTTIME)
    assert entries[0] == pk.ImportTime("json", 100, 100, 0)
    subtree = pk.import_subtree(entries, "handler")
    assert [(e.module, e.depth) for e in subtree] == [
        ("botocore.utils", 2),
        ("botocore", 1),
        ("pkg.small", 1),
    ]
    assert pk.import_subtree(entries, "missing") == []
