"""Test helpers that ship with the package, so the API and eval suites can reuse them."""
