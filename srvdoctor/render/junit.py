"""JUnit XML: a testsuite per area, a testcase per result.

fail -> <failure>, error -> <error>, skip -> <skipped>. A warn is a failure only when
the run fails on warnings (`--fail-on warn`); otherwise it passes with its summary in
<system-out>, so the CI verdict and the XML agree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from srvdoctor.model import AREAS, Report, Result, Status


def _message(r: Result) -> str:
    text = r.summary
    if r.playbook:
        text += f" [playbook: {r.playbook} - srvdoctor notes {r.playbook}]"
    return text


def _body(r: Result) -> str:
    lines = [r.summary, *r.details]
    if r.playbook:
        lines.append(f"playbook: srvdoctor notes {r.playbook}")
    lines += [f"hint: {h}" for h in r.hints]
    return "\n".join(lines)


def _area_key(r: Result) -> int:
    return AREAS.index(r.area) if r.area in AREAS else len(AREAS)


def render(report: Report, fail_on: Status = Status.FAIL) -> str:
    suites = ET.Element("testsuites", name="srvdoctor", time=f"{report.duration_s:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    ordered = sorted(report.results, key=_area_key)
    for area, group in groupby(ordered, key=lambda r: r.area or "other"):
        results = list(group)
        suite = ET.SubElement(
            suites, "testsuite", name=f"srvdoctor.{area}", hostname=report.host,
            timestamp=report.started_at,
        )  # fmt: skip
        counts = {"tests": len(results), "failures": 0, "errors": 0, "skipped": 0}
        for r in results:
            case = ET.SubElement(
                suite, "testcase", classname=f"srvdoctor.{area}.{r.check}",
                name=f"{r.check} {r.target}", time=f"{r.duration_s:.3f}",
            )  # fmt: skip
            failing = r.status.rank >= fail_on.rank
            if r.status is Status.ERROR:
                el = ET.SubElement(case, "error", message=_message(r), type="error")
                el.text = _body(r)
                counts["errors"] += 1
            elif r.status in (Status.FAIL, Status.WARN) and failing:
                el = ET.SubElement(case, "failure", message=_message(r), type=r.status.value)
                el.text = _body(r)
                counts["failures"] += 1
            elif r.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=r.summary)
                counts["skipped"] += 1
            else:
                out = ET.SubElement(case, "system-out")
                out.text = _body(r)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
