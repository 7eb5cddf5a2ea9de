"""newsarchive's scheduler: time (the daemon, one-shot jobs, locks) and the command line."""
