"""The console: server-rendered pages for supervisors at ``/console``, signed in with an API
key kept in an HttpOnly cookie. No script and no build step: Jinja templates, one CSS file, and
charts drawn as inline SVG on the server."""

from __future__ import annotations

from drafter.api.console.pages import router

__all__ = ["router"]
