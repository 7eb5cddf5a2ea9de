"""Shared pytest configuration: fixtures live in plugins under tests/plugins, one per kind of real part."""

pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.objectstore",
    "tests.plugins.processes",
    "tests.plugins.publisher",
]
