"""Redaction: secret-named variables, URL credentials, token formats, the last scrub."""

from __future__ import annotations

import pytest

from srvdoctor.redact import (
    MASK,
    anonymize_host,
    is_secret_name,
    mask_urls,
    redact_env,
    redact_text,
    redact_value,
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


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("python train.py --password=hunter2 --lr 3e-4", "python train.py --password=*** --lr 3e-4"),
        ("run --password hunter2 --db-password=x1y2z3", "run --password *** --db-password=***"),
        ("x --token ghp_" + "a" * 36, "x --token ***"),
        ("x --api-key sk-" + "b" * 40 + " --api_key k", "x --api-key *** --api_key ***"),
        ("mysql -u root -phunter2 app", "mysql -u root -p*** app"),
        ("mysqldump -p hunter2 app", "mysqldump -p *** app"),
        ("sshpass -p hunter2 ssh host", "sshpass -p *** ssh host"),
        ("redis-cli -a hunter2 ping", "redis-cli -a *** ping"),
        ('curl -H "Authorization: Bearer abc.def-123"', 'curl -H "Authorization: Bearer ***"'),
        ("authorization=Basic dXNlcjpwYXNz", "authorization=Basic ***"),
        ("HF_TOKEN=hf_" + "c" * 30 + " python x", "HF_TOKEN=*** python x"),
        ("PGPASSWORD=hunter2 psql -p 5432", "PGPASSWORD=*** psql -p 5432"),
        ("https://h.invalid/x?token=abc123&page=2", "https://h.invalid/x?token=***&page=2"),
        ("AKIAIOSFODNN7EXAMPLE and xoxb-123456789012-abc", "*** and ***"),
        ("glpat-" + "d" * 20 + " github_pat_" + "e" * 30 + " sk-proj-" + "f" * 30, "*** *** ***"),
    ],
)  # fmt: skip
def test_redact_text_masks_credentials(text: str, masked: str) -> None:
    assert redact_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "python train.py --tokenizer bert --max-tokens 512 --max_new_tokens 20",
        "--password-file /etc/pw --token-path /run/t",
        "psql -p 5432 -U app",
        'curl -H "Authorization: Bearer $HF_TOKEN" https://h.invalid/',
        "the Bearer token was rejected; Basic auth is off",
        "TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=4",
        "/ is 97% full (1.2 GiB free of 40 GiB)",
    ],
)
def test_redact_text_leaves_what_is_no_secret(text: str) -> None:
    assert redact_text(text) == text


def test_masking_keeps_json_and_xml_well_formed() -> None:
    import json
    import xml.etree.ElementTree as ET

    value = 'a --password hun"ter\\2 b <x> --token=t&amp;k'
    doc = json.dumps({"cmdline": value})
    assert "hun" not in redact_text(doc) and json.loads(redact_text(doc))
    el = ET.Element("case", message=value)
    el.text = value
    xml = ET.tostring(el, encoding="unicode")
    assert "hun" not in redact_text(xml) and ET.fromstring(redact_text(xml)) is not None


def test_innocent_variable_holding_a_credential() -> None:
    assert redact_value("INNOCENT", "Bearer abcdef") == MASK
    assert redact_value("OTHER", "Basic dXNlcjpwYXNz") == MASK
    assert redact_value("MODE", "basic") == "basic"


@pytest.mark.parametrize(
    "piece", ["a.", "x", "--a ", "--key ", "a=b", "mysql -p", "http://", "http://a:b@", "Bearer ", "-" * 7]
)
def test_redact_text_is_linear(piece: str) -> None:
    """Every output passes through redact_text: 1 MB of adversarial text must not take minutes
    (a `\\b`-started URL pattern took 178 s on 200 kB of `a.a.a.`)."""
    import time

    text = piece * (1_000_000 // len(piece))
    started = time.perf_counter()
    redact_text(text)
    assert time.perf_counter() - started < 3.0
