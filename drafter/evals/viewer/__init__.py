"""The run viewer: the kept runs as a static site (``build_site``), or served on 127.0.0.1
(``serve``). Plain HTML with inline script and styles, the data in local script files: no
CDN, no network, works from a file:// URL."""

from __future__ import annotations

from drafter.evals.viewer.serve import serve
from drafter.evals.viewer.site import build_site

__all__ = ["build_site", "serve"]
