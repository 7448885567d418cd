"""Scrapy's HTTP/1.1 download handler, keeping the real status line.

Scrapy's :class:`~scrapy.http.Response` has no reason phrase, yet a WARC
record must carry the status line the server sent (``HTTP/1.1 404 Gone
Fishing`` stays that).  This handler is Scrapy's own, with an agent that
notes the protocol version and reason phrase in the request's meta
(``archiver_status_line``) as soon as the response head arrives.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.exceptions import ResponseDataLossError
from scrapy.utils.defer import maybe_deferred_to_future

logger = logging.getLogger(__name__)

META_STATUS_LINE = "archiver_status_line"


class _StatusLineAgent(_ScrapyAgent):
    def _cb_latency(self, result: Any, request: Request, start_time: float) -> Any:
        # result is Twisted's response: its head has arrived, its body has not
        version = b"%s/%d.%d" % result.version
        request.meta[META_STATUS_LINE] = (version.decode("ascii"), result.code, result.phrase or b"")
        return super()._cb_latency(result, request, start_time)


class ArchivingDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) handler that records each response's status line for the WARC writer."""

    async def download_request(self, request: Request) -> Response:
        request.meta.pop(META_STATUS_LINE, None)  # never a stale one from a retry
        agent = _StatusLineAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise

