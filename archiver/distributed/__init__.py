"""Everything a distributed crawl keeps in Redis: the claimed frontier, per-host politeness, shared results.

Redis data structures and their rules only; the Scrapy scheduler and
middlewares that use them live in :mod:`archiver.crawl`.
"""
