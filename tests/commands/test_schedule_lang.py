"""`srvdoctor schedule` in Korean: the listing's prose and the errors; the files stay as written."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

C = {"LANG": "C", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SRVDOCTOR_LANG": ""}


def test_install_listing_in_korean_with_english_files(tmp_path: Path) -> None:
    args = ("schedule", "install", "--using", "cron", "--cron-dir", str(tmp_path / "cron"),
            "--textfile-dir", str(tmp_path / "tf"))  # fmt: skip
    korean, english = run_cli(*args, "--lang", "ko", env=C), run_cli(*args, env=C)
    assert (korean.rc, english.rc) == (0, 0)
    ko_lines, en_lines = korean.stdout.splitlines(), english.stdout.splitlines()
    assert ko_lines[:2] == [
        f"# cron(으)로 5min마다 srvdoctor check를 실행해 {tmp_path}/tf/srvdoctor.prom에 씁니다.",
        "# 아무것도 쓰지 않았습니다. `--write`를 주면 이 파일들을 씁니다.",
    ]
    assert en_lines[:2] == [
        f"# srvdoctor check every 5min into {tmp_path}/tf/srvdoctor.prom, through cron.",
        "# Nothing was written; `--write` writes these files.",
    ]
    assert (ko_lines[-2], en_lines[-2]) == ("# 그다음 실행:", "# then run:")
    # the cron file itself and the commands are the same in both: `schedule remove` finds it by its first line
    assert ko_lines[2:-2] == en_lines[2:-2] and ko_lines[-1] == en_lines[-1] == f"mkdir -p {tmp_path}/tf"
    assert "# Written by `srvdoctor schedule install`; remove with `srvdoctor schedule remove`." in ko_lines


def test_errors_in_korean(tmp_path: Path) -> None:
    res = run_cli("schedule", "install", "--using", "cron", "--every", "7m", "--lang", "ko", env=C)
    assert (res.rc, res.stdout) == (2, "")
    assert res.stderr == (
        "srvdoctor: error: --every 7m: cron으로는 그 간격을 고르게 실행할 수 없습니다. "
        "한 시간의 약수(1m, 2m, 5m, 10m, 15m, 30m)나 하루의 약수(1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h)를 쓰세요\n"
    )
    mine = tmp_path / "units"
    mine.mkdir()
    (mine / "srvdoctor.timer").write_text("[Timer]\nOnCalendar=daily\n")  # someone else's file
    res = run_cli("schedule", "install", "--using", "systemd", "--unit-dir", str(mine), "--write",
                  "--textfile-dir", str(tmp_path / "tf"), "--lang", "ko", env=C)  # fmt: skip
    assert res.rc == 2
    assert res.stderr == (
        f"srvdoctor: error: {mine}/srvdoctor.timer이(가) 이미 있고 srvdoctor가 쓴 파일이 아니므로 덮어쓰지 않습니다\n"
    )
    assert (mine / "srvdoctor.timer").read_text() == "[Timer]\nOnCalendar=daily\n"
