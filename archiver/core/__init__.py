"""The Scrapy-free core: WARC files, the archive writer, recovery, and the values they share.

Crawls (:mod:`archiver.crawl`), the command line (:mod:`archiver.cli`) and
the web plugin (:mod:`archiver.web`) all call it; it calls no Scrapy.
"""
