"""Scrapy settings of the archiver project.

Polite by default: robots.txt obeyed, an identifying User-Agent, AutoThrottle
on, Scrapy's HTTP cache off (every fetch is archived, never replayed from a
cache).  ``ARCHIVER_*`` settings are documented in docs/settings.md and validated by
:class:`archiver.config.ArchiverConfig`; their defaults are set here too, so
that ``scrapy settings --get ARCHIVER_DB`` prints them.  Override them with
``-s NAME=VALUE`` or in a spider's ``custom_settings``.
"""

from scrapy.settings import default_settings

from archiver import __version__
from archiver.config import DEFAULTS

BOT_NAME = "archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "archiver.crawl.commands"

USER_AGENT = f"archiver/{__version__} (+https://github.com/archiver-project/archiver)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = True
# Nothing listens for commands from the network unless the user turns it on.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Refuses loopback, private, link-local... addresses unless ARCHIVER_ALLOW_NETWORKS allows them.
TWISTED_DNS_RESOLVER = "archiver.crawl.guard.GuardedResolver"
# A page's meta refresh never replaces that page (and its article) with another URL's.
METAREFRESH_ENABLED = False

# http(s) only: Scrapy's file, ftp, data and s3 handlers would read the local disk or connect where
# the SSRF guard never looks, and archive nothing (ARCHIVER_ALLOW_SCHEMES, archiver/crawl/schemes.py).
# http(s) through the archiving handler; requests a browser renders (ARCHIVER_RENDER) go to scrapy-playwright.
DOWNLOAD_HANDLERS = {
    "http": "archiver.crawl.render.RenderingDownloadHandler",
    "https": "archiver.crawl.render.RenderingDownloadHandler",
    "data": None,
    "file": None,
    "ftp": None,
    "s3": None,
}
DOWNLOADER_MIDDLEWARES = {
    # First of all: a request whose URL scheme is not allowed goes no further (robots.txt included).
    "archiver.crawl.schemes.SchemeGuard": 10,
    # Before Scrapy's RedirectMiddleware (600): a Location with such a scheme ends the redirect, saying why.
    "archiver.crawl.schemes.LocationGuard": 610,
    # Scrapy's; in a distributed crawl one worker fetches a host's robots.txt for all.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "archiver.crawl.hosts.SharedRobotsTxtMiddleware": 100,
    # Before Scrapy's RetryMiddleware (550) sees the response: honours Retry-After.
    "archiver.crawl.politeness.RetryAfterMiddleware": 560,
    # Next to the downloader: sees every response as it came off the wire
    # (before decompression, redirects and retries) and every failure.
    "archiver.crawl.capture.WarcCaptureMiddleware": 950,
    # Scrapy's decompression, decoding with archiver/formats/codings.py (as replay and
    # reextract do) and advertising only the codings it decodes.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "archiver.crawl.compression.DecodingMiddleware": 590,
}
EXTENSIONS = {
    # The crawl's archive: lock, WARC writer, database, crawls row. The
    # components above and below find it with crawler.get_extension().
    "archiver.crawl.extension.ArchiveExtension": 0,
    # Scrapy's, never below a site's Crawl-delay.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "archiver.crawl.politeness.AutoThrottle": 0,
    "archiver.crawl.politeness.CrawlDelay": 0,
    "archiver.crawl.progress.ProgressLog": 500,
    # Scrapy's, imported only when REMOTE_CONTROL_ENABLED turns it on (aiohttp: 9 MiB)
    "archiver.crawl.remotecontrol.RemoteControl": 0,
}
# Scrapy's base extensions but its remote control: Scrapy imports every extension it lists,
# even one set to None, and that one imports aiohttp
EXTENSIONS_BASE = {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                   if path != "scrapy.extensions.remote_control.RemoteControl"}
# Scrapy's scheduler; with ARCHIVER_FRONTIER, scrapy-redis's shared frontier with claims
# that survive a worker's death (archiver/crawl/frontier.py).
SCHEDULER = "archiver.crawl.scheduler.Scheduler"
# Its requests in Redis are JSON (Request.to_dict), never pickles: writing to Redis queues requests, runs no code.
SCHEDULER_SERIALIZER = "archiver.crawl.serializer"
ITEM_PIPELINES = {
    "archiver.crawl.pipeline.ArticlePipeline": 300,
}

# Responses waiting for extraction hold back new downloads past 1 MB (Scrapy's
# default, 5 MB, lets thousands of small pages pile up; a stopped crawl would
# then spend minutes extracting them before it ends).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# A response is held whole while it is archived (the body as received, its digests, its gzip
# member: about three times its size): Scrapy's 1 GiB would let one response take 3 GiB.
DOWNLOAD_MAXSIZE = 128 * 1024 * 1024

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

globals().update(DEFAULTS)  # ARCHIVER_DB = "archive.db", ...
