"""Datasette's error pages for the archive, rendered without ``rich``.

Datasette 0.65's default ``handle_exception`` hook calls
``rich.get_console().print_exception(show_locals=True)`` for every error when
``rich`` is importable. Outside an ``except:`` block (a URL that matches no
route) rich raises ``ValueError``, so the 404 becomes a 500; inside one it
prints a page-long traceback with locals for a plain 404. For a request that
concerns an archive (:func:`archiver.web.archives.concerns_archive`) this hook
answers with :func:`error_page` instead of the default handler: the same
templates and statuses, a traceback only for a real 500. Any other request, of
another database or of another Datasette in the environment, gets Datasette's
own handler, untouched. Handlers of other plugins are kept, and still come first.
"""

from __future__ import annotations

import pdb
import traceback
from typing import Any, Generator

from datasette import hookimpl
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Base400, Request, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from archiver.web.archives import concerns_archive

DEFAULT_HANDLER_MODULE = "datasette.handle_exception"


def _is_default(response: Any) -> bool:
    # the default hook returns its inner coroutine function, defined in that module
    return getattr(response, "__module__", None) == DEFAULT_HANDLER_MODULE


@hookimpl(wrapper=True)
def handle_exception(datasette: Any, request: Request, exception: Exception) -> Generator[None, list[Any], list[Any]]:
    responses = yield
    default = next((response for response in responses if _is_default(response)), None)
    if default is None:  # not the Datasette this was written for: leave its handlers alone
        return responses

    async def ours() -> Response:
        if await concerns_archive(datasette, request.path):
            return await error_page(datasette, request, exception)
        return await default()

    # Datasette awaits every handler's answer: the default one must not run beside ours
    return [ours if response is default else response for response in responses]


async def error_page(datasette: Any, request: Request, exception: Exception) -> Response:
    """The page (or JSON) Datasette's default handler answers with, minus rich."""
    if datasette.pdb:
        pdb.post_mortem(exception.__traceback__)
    title = None
    info: dict[str, Any] = {}
    if isinstance(exception, Base400):
        status, message = exception.status, exception.args[0]
    elif isinstance(exception, DatasetteError):
        status, info, title = exception.status, exception.error_dict, exception.title
        message = Markup(exception.message) if exception.message_is_html else exception.message
    else:  # a bug: its traceback belongs in the log
        status, message = 500, str(exception)
        traceback.print_exception(exception)
    info.update({"ok": False, "error": message, "status": status, "title": title})
    headers: dict[str, str] = {}
    if datasette.cors:
        add_cors_headers(headers)
    if request.path.split("?")[0].endswith(".json"):
        return Response.json(info, status=status, headers=headers)
    template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
    context = dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=lambda: [])
    return Response.html(await template.render_async(context), status=status, headers=headers)
