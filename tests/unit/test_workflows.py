"""The CI/CD workflows are valid YAML of the shape GitHub Actions reads, and every script,
make target, reusable workflow and Terraform environment they name exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _triggers(data: dict[Any, Any]) -> Any:
    return data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True


def _make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.MULTILINE))


def test_there_are_ci_and_deploy_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml", "terraform-apply.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_shape(path: Path) -> None:
    data = _load(path)
    assert data.get("name")
    assert _triggers(data), "no trigger"
    assert data["jobs"]
    for name, job in data["jobs"].items():
        assert "runs-on" in job or "uses" in job, f"{name}: neither runs-on nor uses"
        if "runs-on" in job:
            assert job.get("timeout-minutes"), f"{name}: no timeout"
            for step in job["steps"]:
                assert ("run" in step) != ("uses" in step), f"{name}: a step runs or uses"
        for need in job.get("needs", []):
            assert need in data["jobs"], f"{name} needs unknown job {need}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_name_only_what_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for script in re.findall(r"(scripts/[\w./-]+\.(?:py|sh))", text):
        assert (REPO / script).is_file(), f"{path.name} names missing {script}"
    for target in re.findall(r"\bmake ([a-z][a-z-]*)", text):
        assert target in _make_targets(), f"{path.name} runs missing make target {target}"
    for local in re.findall(r"uses: \./(\.github/workflows/[\w.-]+)", text):
        assert (REPO / local).is_file(), f"{path.name} calls missing {local}"
    assert ".ci/run" not in text or (REPO / ".ci" / "run").is_file()


def test_deploy_promotes_through_every_environment_with_oidc() -> None:
    deploy = _load(REPO / ".github" / "workflows" / "deploy.yml")
    jobs = deploy["jobs"]
    assert [jobs[e]["with"]["environment"] for e in ("dev", "staging", "prod")] == [
        "dev",
        "staging",
        "prod",
    ]
    assert jobs["staging"]["needs"] == ["dev"]
    assert jobs["prod"]["needs"] == ["staging"]
    for env in ("dev", "staging", "prod"):
        assert jobs[env]["permissions"]["id-token"] == "write"
        assert (REPO / "terraform" / "envs" / env).is_dir()
    apply = _load(REPO / ".github" / "workflows" / "terraform-apply.yml")
    job = apply["jobs"]["apply"]
    assert job["environment"] == "${{ inputs.environment }}"  # GitHub environment rules apply
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("aws-actions/configure-aws-credentials") for u in uses)
    assert not re.search(r"aws_secret_access_key|AWS_SECRET", yaml.safe_dump(apply), re.I)


def test_ci_runs_what_make_test_runs() -> None:
    ci = _load(REPO / ".github" / "workflows" / "ci.yml")
    runs = [step.get("run", "") for step in ci["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in runs
