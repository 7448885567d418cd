"""The archiver's spiders (Scrapy's SPIDER_MODULES)."""
