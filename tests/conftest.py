"""Shared test set-up: the kernel's pytest plugin (YAML decision cases, plugin fixtures)."""

pytest_plugins = ("kernel.testing", "pytester")
