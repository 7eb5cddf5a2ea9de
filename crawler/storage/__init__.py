"""PostgreSQL storage: connection, embedded server, migrations, articles, captures, runs."""
