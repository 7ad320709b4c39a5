"""What CI systems read: GitHub Actions ``::error`` annotations and JUnit XML.

Annotations point at the call site of each finding, so GitHub shows them on the pull request's
diff. JUnit has one test case per scan request or bench scenario, so any CI that reads JUnit
lists the failing ones. A bench's naive twins are the reference, not the code under review:
only the optimized views' findings and the gate failures count.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from perfaudit.records import Finding
from perfaudit.report.read import Report, ScanReport
from perfaudit.report.read_bench import BenchReport
from perfaudit.wording import callsite_text, finding_title, unique_findings


@dataclass(frozen=True)
class Annotation:
    """One GitHub workflow command: ``level`` is ``error`` or ``warning``."""

    level: str
    title: str
    message: str
    file: str | None = None
    line: int | None = None

    def command(self) -> str:
        """The ``::error file=...,line=...,title=...::message`` line, escaped as GitHub wants."""
        props = []
        if self.file:
            props.append(f"file={escape_property(self.file)}")
            if self.line is not None:
                props.append(f"line={self.line}")
        props.append(f"title={escape_property(self.title)}")
        return f"::{self.level} {','.join(props)}::{escape_data(self.message)}"


def escape_data(text: str) -> str:
    # GitHub's workflow-command escaping: % first, then line breaks.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def finding_annotation(finding: Finding, where: str) -> Annotation:
    message = f"{where}: {finding_title(finding)}."
    if finding.suggestion:
        message += f" Fix: {finding.suggestion}"
    site = finding.callsite
    return Annotation(
        level="warning" if finding.is_best_effort else "error",
        title=f"perfaudit: {finding_title(finding)}",
        message=message,
        file=site.file if site else None,
        line=site.line if site else None,
    )


def github_annotations(report: Report) -> tuple[Annotation, ...]:
    """Every annotation for ``report``, in report order."""
    notes: list[Annotation] = []
    if isinstance(report, ScanReport):
        for r in report.requests:
            where = f"{r.name} ({r.method} {r.path})"
            if r.error:
                notes.append(
                    Annotation("error", "perfaudit: the view raised", f"{where}: {r.error}")
                )
            notes.extend(finding_annotation(f, where) for f in r.findings)
        return tuple(notes)
    for scenario in report.scenarios:
        found = unique_findings(f for _, f in scenario.findings_of("optimized"))
        notes.extend(finding_annotation(f, f"{scenario.name} (optimized)") for f in found)
    notes.extend(Annotation("error", "perfaudit bench", line) for line in report.failure_lines)
    return tuple(notes)


def render_github(report: Report) -> str:
    """The annotation lines to print on a GitHub Actions runner (empty when all is well)."""
    return "".join(a.command() + "\n" for a in github_annotations(report))


def _case(suite: ET.Element, name: str, classname: str, seconds: float) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=name, classname=classname, time=f"{seconds:.3f}")


def _fail(case: ET.Element, tag: str, kind: str, message: str, text: str) -> None:
    element = ET.SubElement(case, tag, type=kind, message=message)
    element.text = text


def _findings_text(findings: tuple[Finding, ...]) -> str:
    return "\n".join(
        f"{finding_title(f)} at {callsite_text(f.callsite)}"
        + (f"; fix: {f.suggestion}" if f.suggestion else "")
        for f in findings
    )


def _scan_suite(report: ScanReport, suite: ET.Element) -> None:
    for r in report.requests:
        case = _case(suite, r.name, "perfaudit.scan", r.duration_ms / 1000)
        if r.error:
            _fail(case, "error", "view_error", r.error, f"{r.method} {r.path} -> {r.status}")
        elif r.findings:
            titles = "; ".join(finding_title(f) for f in r.findings)
            kinds = ",".join(sorted({f.kind for f in r.findings}))
            _fail(case, "failure", kinds, titles, _findings_text(r.findings))


def _bench_suite(report: BenchReport, suite: ET.Element) -> None:
    for s in report.scenarios:
        seconds = sum(r.optimized.timing.median_ms for r in s.results) / 1000
        case = _case(suite, s.name, "perfaudit.bench.runner", seconds)
        found = unique_findings(f for _, f in s.findings_of("optimized"))
        problems = s.failures or tuple(finding_title(f) for f in found)
        if problems or s.verdict != "ok":
            message = "; ".join(problems) or f"verdict {s.verdict}"
            _fail(case, "failure", "bench", message, _findings_text(found) or message)
    # A scenario's own case already shows its gate failures; the rest get a case of their own.
    extra = report.unexplained_gate_failures
    if extra:
        case = _case(suite, "gates", "perfaudit.bench.runner", 0.0)
        _fail(case, "failure", "gate", extra[0], "\n".join(extra))


def render_junit(report: Report) -> str:
    """JUnit XML for ``report``: one ``<testsuite>``, deterministic (times come from the report)."""
    kind = "scan" if isinstance(report, ScanReport) else "bench"
    suites = ET.Element("testsuites", name="perfaudit")
    suite = ET.SubElement(suites, "testsuite", name=f"perfaudit {kind}")
    if isinstance(report, ScanReport):
        _scan_suite(report, suite)
    else:
        _bench_suite(report, suite)
    cases = suite.findall("testcase")
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.find("failure") is not None)),
        "errors": str(sum(1 for c in cases if c.find("error") is not None)),
        "skipped": "0",
    }
    for element in (suites, suite):
        element.attrib.update(counts)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(report: Report, path: str | Path) -> Path:
    """Write :func:`render_junit` to ``path``, creating its directory."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_junit(report), encoding="utf-8")
    return target
