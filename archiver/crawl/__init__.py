"""The Scrapy components: the archive extension, capture middleware, article pipeline, spiders' base."""
