"""Finding article URLs: feeds, sitemaps, the WordPress REST API, section pages."""
