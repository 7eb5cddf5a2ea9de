"""The crawl queue (procrastinate on our PostgreSQL): the daemon enqueues due runs, ``newsarchive worker``s run them.

Time stays with the daemon (APScheduler decides *when*); the queue carries each due run to one worker on any host.
procrastinate gives what the scale-out needs without a new server: jobs durable in the database we already require,
a per-job ``lock`` (one run of a source at a time) and ``queueing_lock`` (one waiting run of a source at most),
worker heartbeats to find the jobs of a dead worker.
"""
