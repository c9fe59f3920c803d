"""JUnit XML: a testsuite per area, a testcase per result.

fail -> <failure>, error -> <error>, skip -> <skipped>. A warn is a failure only when
the run fails on warnings (`--fail-on warn`); otherwise it passes with its summary in
<system-out>, so the CI verdict and the XML agree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from srvdoctor.messages import localize, machine_language, t
from srvdoctor.model import AREAS, Report, Result, Status
from srvdoctor.redact import redact_report
from srvdoctor.render.safe import xml_text


def _message(r: Result, lang: str) -> str:
    if r.playbook:
        return localize(
            t("{summary} [playbook: {id} - srvdoctor notes {id}]", summary=r.summary, id=r.playbook), lang
        )
    return localize(r.summary, lang)


def _body(r: Result, lang: str) -> str:
    lines = [localize(r.summary, lang), *(localize(d, lang) for d in r.details)]
    if r.playbook:
        lines.append(localize(t("playbook: srvdoctor notes {id}", id=r.playbook), lang))
    lines += [localize(t("hint: {hint}", hint=h), lang) for h in r.hints]
    return "\n".join(lines)


def _area_key(r: Result) -> int:
    return AREAS.index(r.area) if r.area in AREAS else len(AREAS)


def add_case(
    suite: ET.Element, r: Result, fail_on: Status, classname: str, lang: str | None = None
) -> str | None:
    """One testcase for `r` in `suite`; returns the counter it adds to (failures, errors, skipped).
    Its text is in `lang` (default: the machine language, English unless --lang)."""
    lang = machine_language() if lang is None else lang
    case = ET.SubElement(
        suite, "testcase", classname=classname, name=f"{r.check} {r.target}", time=f"{r.duration_s:.3f}"
    )
    failing = r.status.rank >= fail_on.rank
    if r.status is Status.ERROR:
        el = ET.SubElement(case, "error", message=_message(r, lang), type="error")
        el.text = _body(r, lang)
        return "errors"
    if r.status in (Status.FAIL, Status.WARN) and failing:
        el = ET.SubElement(case, "failure", message=_message(r, lang), type=r.status.value)
        el.text = _body(r, lang)
        return "failures"
    if r.status is Status.SKIP:
        ET.SubElement(case, "skipped", message=localize(r.summary, lang))
        return "skipped"
    out = ET.SubElement(case, "system-out")
    out.text = _body(r, lang)
    return None


def add_suite(
    parent: ET.Element, name: str, hostname: str, timestamp: str, results: list[Result], fail_on: Status,
    classname: str, lang: str | None = None,
) -> dict[str, int]:  # fmt: skip
    """A testsuite of `results` (classname prefix `classname`), text in `lang`; returns its counts."""
    suite = ET.SubElement(parent, "testsuite", name=name, hostname=hostname, timestamp=timestamp)
    counts = {"tests": len(results), "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        counter = add_case(suite, r, fail_on, f"{classname}.{r.check}", lang)
        if counter:
            counts[counter] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    return counts


def _xml_safe(root: ET.Element) -> None:
    """Every text, tail and attribute as XML 1.0 can hold it (`render/safe.xml_text`): an ANSI
    colour code in a command's output or a \\x01 in a path would make the file not well-formed."""
    for el in root.iter():
        if el.text:
            el.text = xml_text(el.text)
        if el.tail:
            el.tail = xml_text(el.tail)
        for key, value in el.attrib.items():
            el.set(key, xml_text(value))


def finish(suites: ET.Element, totals: dict[str, int]) -> str:
    # <testsuites> carries tests/failures/errors only: junit-10.xsd (Jenkins xUnit, Surefire)
    # has no `skipped` there; each <testsuite> keeps its own `skipped` count.
    for key, value in totals.items():
        if key != "skipped":
            suites.set(key, str(value))
    _xml_safe(suites)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def render(report: Report, fail_on: Status = Status.FAIL) -> str:
    report = redact_report(report.localized(machine_language()))
    suites = ET.Element("testsuites", name="srvdoctor", time=f"{report.duration_s:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    ordered = sorted(report.results, key=_area_key)
    for area, group in groupby(ordered, key=lambda r: r.area or "other"):
        name = f"srvdoctor.{area}"
        counts = add_suite(suites, name, report.host, report.started_at, list(group), fail_on, name)
        for key, value in counts.items():
            totals[key] += value
    return finish(suites, totals)
