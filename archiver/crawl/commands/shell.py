"""``scrapy shell``, archiving nothing.

The shell is for trying selectors on a page, not for keeping it: with the
archive's components on, each ``fetch`` would become a capture of a crawl
that never finishes, in a WARC file left open.  This command turns the
archive extension, the capture middleware and the article pipeline off.
"""

from __future__ import annotations

import argparse

from scrapy.commands.shell import Command as ScrapyShellCommand

OFF = {
    "EXTENSIONS": "archiver.crawl.extension.ArchiveExtension",
    "DOWNLOADER_MIDDLEWARES": "archiver.crawl.capture.WarcCaptureMiddleware",
    "ITEM_PIPELINES": "archiver.crawl.pipeline.ArticlePipeline",
}


class Command(ScrapyShellCommand):
    def long_desc(self) -> str:
        return super().long_desc() + " The archiver's shell archives nothing: no WARC file, no crawls row."

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        for setting, component in OFF.items():
            self.settings.set(setting, {component: None}, priority="cmdline")
