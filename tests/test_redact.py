"""Redaction: secret-named variables, URL credentials, token formats, the last scrub."""

from __future__ import annotations

import pytest

from srvdoctor.redact import (
    MASK,
    anonymize_host,
    is_secret_name,
    mask_urls,
    redact_env,
    scrub,
    secret_values,
)


@pytest.mark.parametrize(
    "name",
    ["MY_API_TOKEN", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD", "WANDB_API_KEY", "SMTP_PASS",
     "GOOGLE_APPLICATION_CREDENTIALS", "ssh_key", "Passphrase"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "CUDA_VISIBLE_DEVICES", "LANG", "VIRTUAL_ENV"])
def test_plain_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgres://admin:s3cret@db.invalid:5432/app", "postgres://***@db.invalid:5432/app"),
        ("https://ghp_abc@github.com/org/repo.git", "https://***@github.com/org/repo.git"),
        ("see https://example.invalid/path?q=1", "see https://example.invalid/path?q=1"),
        ("a=http://u:p@h.invalid/ b=redis://:pw@r.invalid:6379/0", "a=http://***@h.invalid/ b=redis://***@r.invalid:6379/0"),
    ],
)  # fmt: skip
def test_url_credentials_are_masked(text: str, masked: str) -> None:
    assert mask_urls(text) == masked


def test_env_redaction() -> None:
    env = {
        "MY_API_TOKEN": "tok-123456789",
        "DATABASE_URL": "postgres://admin:hunter2hunter2@db.invalid/app",
        "HF_HOME": "/data/hf",
        "NOTE": "token hf_" + "a" * 34 + " pasted by mistake",
    }
    assert redact_env(env) == {
        "DATABASE_URL": "postgres://***@db.invalid/app",
        "HF_HOME": "/data/hf",
        "MY_API_TOKEN": MASK,
        "NOTE": "token *** pasted by mistake",
    }


def test_scrub_removes_every_secret_value_anywhere() -> None:
    env = {"MY_API_TOKEN": "tok-123456789", "DATABASE_URL": "postgres://admin:hunter2hunter2@db.invalid/app"}
    text = "cmdline: train.py --token tok-123456789 --db-password hunter2hunter2"
    assert scrub(text, secret_values(env)) == "cmdline: train.py --token *** --db-password ***"


def test_short_values_are_not_scrubbed_from_text() -> None:
    assert scrub("version 1 of 1", secret_values({"SOME_KEY": "1"})) == "version 1 of 1"


def test_anonymized_host_is_stable_and_hides_the_name() -> None:
    assert anonymize_host("gpu07.lab.internal") == anonymize_host("gpu07.lab.internal")
    assert anonymize_host("gpu07.lab.internal").startswith("host-") and "gpu07" not in anonymize_host("gpu07")
