"""Extraction: clean text and metadata out of an HTML page, behind a pluggable extractor.

Scrapy-free and SQL-free, so it runs in worker processes.  ``pipeline``
holds the stages every extractor shares; ``backend`` the extractor
interface; ``trafilatura_backend`` the default extractor.
"""

from archiver.extract.article import Article, NoArticle
from archiver.extract.backend import DEFAULT_EXTRACTOR, Extractor, ExtractorError, MainText, Page, load_extractor
from archiver.extract.pipeline import extract_article, extract_page, page_head, parse_html
from archiver.extract.rules import SiteRules, clean_text, rules_for, site_rules

__all__ = [
    "DEFAULT_EXTRACTOR", "Article", "Extractor", "ExtractorError", "MainText", "NoArticle", "Page", "SiteRules",
    "clean_text", "extract_article", "extract_page", "load_extractor", "page_head", "parse_html", "rules_for", "site_rules",
]
