"""The archive service: the one place that files captures and articles, whoever calls.

:mod:`.writer` owns a crawl's WARC files and SQLite writes, :mod:`.lock` the
archive's single-writer lock, :mod:`.recovery` the repair of files a crash left
open, :mod:`.merge` the joining of shards, :mod:`.warcimport` other tools'
WARCs and :mod:`.wacz` the export.  It calls :mod:`archiver.storage` for SQL
and :mod:`archiver.extract` for text, and no Scrapy.
"""
