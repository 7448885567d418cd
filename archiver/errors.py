"""The few named exceptions of the archiver.

Each carries one sentence that tells the user what to fix; the command-line
edges (``scrapy crawl`` through :mod:`archiver.commands.crawl`) print it
without a traceback.
"""


class ArchiverError(Exception):
    """Base class: something the user can fix."""


class ConfigError(ArchiverError):
    """An ``ARCHIVER_*`` setting is unknown or has a value we cannot use."""


class SpiderArgumentError(ArchiverError):
    """A spider argument (``-a key=value``) is missing or malformed."""


class WarcError(ArchiverError):
    """A WARC file cannot be written or read where the archive says it is."""
