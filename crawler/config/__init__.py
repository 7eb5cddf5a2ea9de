"""Configuration: the typed schema, its defaults and the TOML loader."""

from crawler.config.load import load_config, parse_config
from crawler.config.schema import Config, SourceConfig

__all__ = ["Config", "SourceConfig", "load_config", "parse_config"]
