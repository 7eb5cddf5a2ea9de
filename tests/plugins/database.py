"""Fixtures for a real PostgreSQL: an admin URL, a fresh database per test session."""
