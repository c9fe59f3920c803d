"""The examples in examples/ are valid: the smoke config parses, the CI jobs run it."""

from __future__ import annotations

import pytest
import yaml

from srvdoctor.config import ConfigError, load_config
from srvdoctor.expect.parse import expectations_of
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
COMMAND = "srvdoctor check --only expect --config examples/smoke.toml --format junit --output smoke.xml --retry-for 120s"


def test_smoke_toml_parses_with_its_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOY_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("MODEL_NAME", "tiny-llama")
    exps = expectations_of(load_config(EXAMPLES / "smoke.toml"))
    assert [e.kind for e in exps.items] == ["http", "http", "http", "listen", "path", "path", "container", "gpu",
                                            "command"]  # fmt: skip
    assert exps.items[4].target == "/srv/models/tiny-llama/model.safetensors"


def test_smoke_toml_needs_its_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEPLOY_URL", raising=False)
    with pytest.raises(
        ConfigError, match=r"smoke\.toml:17: expect\.http\.url: environment variable \$\{DEPLOY_URL\}"
    ):
        load_config(EXAMPLES / "smoke.toml")


def test_ci_jobs_run_the_smoke_test() -> None:
    github = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    steps = github["jobs"]["smoke"]["steps"]
    assert " ".join(steps[3]["run"].split()) == COMMAND and github["jobs"]["smoke"]["needs"] == "deploy"
    gitlab = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    assert COMMAND in gitlab["smoke-test"]["script"] and gitlab["smoke-test"]["artifacts"]["reports"] == {
        "junit": "smoke.xml"
    }
