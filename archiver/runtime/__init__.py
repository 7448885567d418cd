"""Leaves: process plumbing (bounded worker pools, the I/O thread, CPU and memory accounting).

Knows nothing of WARC, SQL, extraction or Scrapy: it runs callables it is given.
"""
