"""Scrapy commands of the archiver project (COMMANDS_MODULE)."""
