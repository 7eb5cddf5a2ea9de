"""Fixtures for the local replica publisher served on 127.0.0.1."""
