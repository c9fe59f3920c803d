"""Human units: sizes and durations are finite and within the documented range (issue 19)."""

from __future__ import annotations

import pytest

from srvdoctor.units import MAX_DURATION_S, MAX_SIZE_BYTES, number_value, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("2m", 120.0), ("500ms", 0.5), ("1h 30m", 5400.0), ("3650d", MAX_DURATION_S)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3651d", "is too long (at most 10 years, 3650d)"),
        ("9" * 400 + "d", "is too long"),  # float('9'*400) is inf: was OverflowError downstream
        ("1e400s", "not a duration"),
        ("nan", "not a duration"),
        ("inf", "not a duration"),
        ("", "empty duration"),
    ],
)
def test_bad_durations(text: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_duration(text)
    assert message in str(exc.value)
    assert len(str(exc.value)) < 200  # a 400-digit value is not repeated in full


@pytest.mark.parametrize(
    ("text", "size"), [("512MiB", 512 * 2**20), ("1.5GB", 1_500_000_000), ("8EiB", None)]
)
def test_sizes(text: str, size: int | None) -> None:
    if size is None:
        with pytest.raises(ValueError, match="not a size"):
            parse_size(text)
    else:
        assert parse_size(text) == size


@pytest.mark.parametrize("text", ["9" * 400 + "GiB", "99999999TiB", "9" * 20])
def test_sizes_past_the_platform_range(text: str) -> None:
    """int(float('inf')) was an OverflowError traceback."""
    with pytest.raises(ValueError, match="is too large"):
        parse_size(text)
    assert parse_size("8388607TiB") <= MAX_SIZE_BYTES


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 10**400, True, "3", None])
def test_number_value_refuses_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(ValueError):
        number_value(value)
    assert number_value(3) == 3.0 and number_value(-2.5) == -2.5
