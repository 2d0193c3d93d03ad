"""Reports of an eval run: a terminal summary, JUnit XML and a static HTML page."""

from __future__ import annotations

from drafter.evals.reports.html import render_html, write_html
from drafter.evals.reports.json import comparison_json
from drafter.evals.reports.junit import junit_xml, write_junit
from drafter.evals.reports.terminal import print_comparison, print_summary

__all__ = [
    "comparison_json",
    "junit_xml",
    "print_comparison",
    "print_summary",
    "render_html",
    "write_html",
    "write_junit",
]
