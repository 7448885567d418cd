"""The few named exceptions of the archiver.

Each carries one sentence that tells the user what to fix; the command-line
edges (``scrapy crawl`` through :mod:`archiver.crawl.commands.crawl`) print it
without a traceback, and exit with the error's ``exit_status``.
"""


class ArchiverError(Exception):
    """Base class: something the user can fix."""

    exit_status = 2  # like a usage error


class CrawlBusyError(ArchiverError):
    """Another crawl of the same spider is writing the same archive: this one is skipped."""

    # EX_TEMPFAIL (sysexits.h): cron wrappers and systemd can tell "skipped,
    # try again later" from a mistake in the command.
    exit_status = 75


class ConfigError(ArchiverError):
    """An ``ARCHIVER_*`` setting is unknown or has a value we cannot use."""


class SpiderArgumentError(ArchiverError):
    """A spider argument (``-a key=value``) is missing or malformed."""


class WarcError(ArchiverError):
    """A WARC file cannot be written or read where the archive says it is."""


class CodingError(ArchiverError):
    """A body cannot be decoded from its content coding (gzip, br, zstd...): corrupt, truncated, unknown or too large."""


class HostAway(ArchiverError):
    """A site asked (``Retry-After``) to be left alone longer than ``ARCHIVER_RETRY_AFTER_MAX``: its
    requests are not sent in this crawl (their rows say so; the next crawl tries again)."""


class MergeError(ArchiverError):
    """A shard cannot be merged: missing, not an archive database, the archive merged into, naming WARC files
    outside the WARC directory, or a step of its merge failed (nothing of that shard is kept)."""
