"""A page that tries to act when replayed: scripts, a refresh, subresources, all aimed at /beacon/.

The raw-capture view must serve it inert: a browser showing it keeps the
archived title and asks the server for nothing under ``/beacon/``.
"""

from __future__ import annotations

from loopback import LoopbackSite, Reply
from newssite import page, paragraphs

SCRIPTED_PATH = "/world/2022/04/08/talks-resume-in-istanbul"
BEACON = "/beacon/"
TITLE = "Talks resume in Istanbul"
SITE = "Scripted Times"
SCRIPT_TITLE = "Changed by an archived script"
BODY = [
    "Negotiators from both delegations met again in Istanbul on Friday, the first face-to-face round in two weeks, "
    "according to officials who spoke on condition of anonymity because the talks were private.",
    "The mediators said the agenda covered humanitarian corridors, the exchange of prisoners and guarantees of "
    "security, and that neither side had walked away from the table despite the fighting around the capital.",
    "Observers cautioned that any agreement would need the approval of both presidents, and that earlier rounds "
    "had ended with promises that were not kept once the delegations returned home.",
]


class ScriptedSite(LoopbackSite):
    """One article whose markup would change its title and call the server back, if anything let it."""

    def route(self, path: str) -> Reply:
        if path.startswith(BEACON):
            return Reply(204, "No Content")
        if path != SCRIPTED_PATH:
            return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not here")
        beacon = self.url(BEACON)
        head = (
            f'<meta http-equiv="refresh" content="1; url={beacon}refresh">\n'
            f'<meta property="og:type" content="article">\n'
            f'<link rel="stylesheet" href="{beacon}style.css">\n'
            f'<link rel="prefetch" href="{beacon}prefetch">\n'
            f'<script src="{beacon}script.js"></script>'
        )
        body = (
            f"<article><h1>{TITLE}</h1>\n{paragraphs(BODY)}\n"
            f'<img src="{beacon}pixel.gif" alt="">\n<iframe src="{beacon}frame"></iframe>\n'
            f'<form action="{beacon}form" method="post"><input name="q" autofocus></form>\n'
            f'<script>document.title = "{SCRIPT_TITLE}"; fetch("{beacon}fetch"); '
            f'new Image().src = "{beacon}image";</script></article>'
        )
        markup = page(TITLE, SITE, head, body)
        return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], markup.encode("utf-8"))

    def beacon_requests(self) -> list[str]:
        """Paths under /beacon/ the server was asked for."""
        return [sent.path for sent in self.sent if sent.path.startswith(BEACON)]
