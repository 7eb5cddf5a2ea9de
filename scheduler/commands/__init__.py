"""One module per ``newsarchive`` subcommand, each with ``register(subparsers)``; ``args.func(args)`` runs it."""
