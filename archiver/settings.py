"""Scrapy settings of the archiver project.

Polite by default: robots.txt obeyed, an identifying User-Agent, AutoThrottle
on, Scrapy's HTTP cache off (every fetch is archived, never replayed from a
cache).  ``ARCHIVER_*`` settings are documented in README.md and read, with
their defaults, by :class:`archiver.config.ArchiverConfig`; set them here,
with ``-s NAME=VALUE`` or in a spider's ``custom_settings``.
"""

from archiver import __version__

BOT_NAME = "archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "archiver.commands"

USER_AGENT = f"archiver/{__version__} (+https://github.com/archiver-project/archiver)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = True

DOWNLOAD_HANDLERS = {
    "http": "archiver.download.ArchivingDownloadHandler",
    "https": "archiver.download.ArchivingDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # Before Scrapy's RetryMiddleware (550) sees the response: honours Retry-After.
    "archiver.politeness.RetryAfterMiddleware": 560,
    # Next to the downloader: sees every response as it came off the wire
    # (before decompression, redirects and retries) and every failure.
    "archiver.capture.WarcCaptureMiddleware": 950,
    # Scrapy's decompression, decoding with archiver.codings (as replay and
    # reextract do) and advertising only the codings it decodes.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "archiver.compression.DecodingMiddleware": 590,
}
EXTENSIONS = {
    # Scrapy's, never below a site's Crawl-delay.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "archiver.politeness.AutoThrottle": 0,
    "archiver.politeness.CrawlDelay": 0,
    "archiver.progress.ProgressLog": 500,
}
ITEM_PIPELINES = {
    "archiver.pipelines.ArticlePipeline": 300,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
