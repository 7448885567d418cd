"""A site of 5 templates x 20 article pages whose chrome sits inside the story's own container.

Stock extraction keeps these blocks (a newsletter sign-up, a contact block,
a copyright line, a "more from" line) because they are plain paragraphs in
the article body; only the site chrome memory, seeing them on pages of
different stories, can tell them from the story.  Each page reports a story
of its own (invented people, places and bodies, in news sentences: no two
stories share a name), except three stories told on several pages, each
with a line those pages share: ``SHARED``, a wire paragraph, in two
articles; ``QUOTE`` in three; and ``FOLLOW_UP``, a quote that a story's six
follow-ups all repeat.  The site spans 20 days, a story's pages 3 at most.
"""

from __future__ import annotations

import html
import random

from loopback import LoopbackSite, Reply
from seeds import load_stories

TEMPLATES = {
    "herald": ["Sign up for the Kyiv Herald morning briefing: the day's top stories in your inbox at seven.",
               "Contact the newsroom: tips@kyivherald.example or +380 44 555 0199.",
               "© 2022 Kyiv Herald Media Group. Reproduction without permission is prohibited."],
    "observer": ["Support independent journalism in the Balkans: become a member of the Observer for 3 euros a month.",
                 "Follow the Balkan Observer on Telegram for breaking news."],
    "daily": ["The Daily Dispatch is free to read. If you value our reporting, consider a donation today.",
              "Got a story? Email newsdesk@dailydispatch.example and we will look into it."],
    "canindia": ["Tel: 905-673-6625 | Fax: 905-673-6636 | Ad Sales Email: Sales@canindia.example",
                 "478 Dundas Street West, P.O. Box 30003, Oakville ON L6H 7L8",
                 "ABOUT CANINDIA NEWS: a newspaper that represents the viewpoint of South Asians in Canada since 1999."],
    "mailwire": ["Mailwire republishes stories from partner outlets under licence.",
                 "More from Mailwire: the day's most read stories, every evening in your inbox."],
}
PAGES_PER_TEMPLATE = 20
SHARED = ("Both chambers of parliament are expected to vote on the aid package before the end of the month, "
          "officials said on Friday.")
QUOTE = "“We will not give up a single metre of our land,” the president said in his evening address."
FOLLOW_UP = "“Nobody in this valley will forget what happened here,” the mayor said at the memorial."
SHARED_IN = {("herald", 3), ("observer", 4)}
QUOTE_IN = {("daily", 2), ("canindia", 3), ("mailwire", 3)}
FOLLOW_UP_IN = {("herald", 12), ("observer", 12), ("daily", 13), ("canindia", 13), ("mailwire", 14), ("herald", 14)}
LINES_IN = {SHARED: SHARED_IN, QUOTE: QUOTE_IN, FOLLOW_UP: FOLLOW_UP_IN}  # the lines pages of one story share


def story_of(template: str, page: int) -> str:
    """The story a page reports: its own, or one of those told on several pages."""
    for key, pages in (("wire", SHARED_IN), ("quote", QUOTE_IN), ("follow-up", FOLLOW_UP_IN)):
        if (template, page) in pages:
            return key
    return f"{template}-{page}"


# Story text: news sentences whose slots each story fills with names of its own.
_SYLLABLES = ("ka", "ren", "dol", "mi", "var", "tos", "le", "bri", "nor", "um", "sel", "ad", "ov", "ith", "gar",
              "pel", "zu", "tam", "ri", "os", "bel", "fen", "ko", "lis", "mar", "ud", "vin", "ha", "sto", "er")
_NOUNS = ("bridge", "harvest", "reservoir", "tram line", "hospital wing", "pension fund", "school district", "ferry",
          "vineyard", "steelworks", "airport runway", "fishing fleet", "library", "wind farm", "census", "landslide",
          "orchestra", "dairy", "metro tunnel", "flood barrier", "textile mill", "observatory", "zoo",
          "cathedral roof", "copper mine", "rail depot", "tax office", "marathon", "power station", "seed bank",
          "ski resort", "harbour crane", "bakery chain", "football club", "gas network", "printing press",
          "forest reserve", "ambulance service", "salt marsh", "shipyard", "museum", "bus garage", "canal",
          "sugar refinery", "film festival", "cadet academy", "glacier", "chess tournament", "orchard", "brewery",
          "lighthouse", "cable car", "paper recycler", "bird sanctuary", "concert venue", "quarry", "dam",
          "youth hostel", "greenhouse", "lido", "ice rink", "tobacco warehouse", "tannery", "funicular", "aqueduct",
          "sawmill", "racecourse", "planetarium", "botanical garden", "brick kiln", "oil terminal", "customs post",
          "opera", "mosque", "synagogue", "monastery", "firehouse", "prison", "abattoir", "cinema", "stadium",
          "velodrome", "windmill", "carousel", "pier", "marina", "campsite", "ropeway", "silo", "foundry",
          "distillery", "cemetery", "hatchery", "pottery", "watermill", "tollbooth", "weather radar", "transmitter",
          "telescope", "gymnasium", "nursery", "chapel", "granary", "bathhouse", "watchtower", "cannery", "creamery",
          "ironworks", "boatyard", "locomotive shed", "toyshop", "bell tower", "fish auction", "laundry", "pharmacy",
          "arboretum", "glassworks", "pumphouse", "waterworks", "courthouse")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "May", "June", "July", "September", "October", "November")
_FRAMES = (
    '{p1} told reporters in {place} that the {n1} would not reopen before {n} days had passed.',
    'The {body} said on {day} that {n} people had signed a letter about the {n1}.',
    'In {place}, residents questioned why the {n2} had cost {n} million more than the {body} first estimated.',
    '{p2}, who has chaired the {body} for {k} years, called the dispute over the {n1} “a test of trust” for {place}.',
    'According to {p1}, engineers found {n} faults in the {n2} during an inspection last {month}.',
    'Critics of the {body} pointed to the {n3}, which has stood empty in {place} for {n} months.',
    '{p2} promised a hearing on the {n3} and on the future of the {n1} by the end of {month}.',
    'The {n2} employs {n} people in {place} and supplies the {n3} across the valley.',
    'A spokesperson for the {body} declined on {day} to say whether {p1} had been consulted about the {n2}.',
    'Earlier in {month}, {n} volunteers cleared the road to the {n1} after heavy rain in {place}.',
    '{p1} said the {body} had ignored warnings about the {n3} since {year}.',
    'Lawyers for {p2} argued in {month} that the {body} had no authority over the {n2} in {place}.',
    'Figures published by the {body} show that the {n1} lost {n} thousand euros in {year}.',
    'Shops near the {n3} in {place} closed early on {day} as {n} people gathered outside.',
    '{p2} visited the {n2} on {day} and met {n} workers on the night shift.',
    'The {body} will vote on the {n1} at a meeting in {place} on {day}; {n} members are expected.',
    'Residents of {place} have collected {n} signatures against moving the {n3}.',
    'An audit ordered by {p1} found that the {n2} had missed {n} safety checks since {year}.',
    'The quarrel over the {n1} began in {year}, when the {body} sold land beside the {n3}.',
    '{p1} and {p2} met for {n} minutes in {place} on {day} but did not agree on the {n2}.',
    'Insurers have refused to cover the {n1} until the {body} publishes its survey, {p2} wrote.',
    'The {n3} was built in {year} with money from a lottery grant and a loan of {n} thousand euros.',
    'Farmers outside {place} say the {n2} has drained their wells; {n} families signed a petition.',
    '{p1} resigned from the board of the {n3} in {month}, citing what she called pressure from the {body}.',
    'A court in {place} froze the accounts of the {n1} on {day} pending an inquiry.',
    'Tourists visiting {place} were turned away from the {n3} for the {k}th weekend in a row.',
    'The regional governor flew to {place} on {day} and toured the {n2} with {p2}.',
    'Schoolchildren painted a mural on the fence around the {n1}, which {p1} praised as brave.',
    'Rents around the {n2} have risen by {k} percent since the {body} announced its expansion.',
    '{p2} accused newspapers of exaggerating the damage to the {n3}, which he said was cosmetic.',
    'Divers searched the river below the {n1} for {k} hours before the operation was suspended.',
    'The {body} hired a consultancy from abroad to value the {n2}; its fee was {n} thousand euros.',
    'Opposition councillors walked out when {p1} refused to publish the contract for the {n3}.',
    'A retired teacher in {place} kept a diary of every delay at the {n1} since {year}.',
    'Local radio in {place} broadcast the debate about the {n2} live for {k} hours.',
    'Pensioners marched from the market square to the {n3} carrying candles and handmade banners.',
    'The minister of transport has asked {p2} for a written account of the {n1} by {month}.',
    '{p1} grew up a short walk from the {n2} and still lives in the house where her grandfather was born.',
    'Drone footage shared online shows cracks along the eastern side of the {n3}.',
    'The {body} insists that the {n1} is safe and blames the rumours on an anonymous blog.',
    'Trade unions in {place} threatened a strike if the {n2} cuts more than {n} jobs.',
    'Archivists found plans of the original {n3} in a cellar beneath the town hall of {place}.',
    '{p2} said he would donate his salary for {month} to the families affected by the {n1}.',
    'A bishop, a footballer and a famous chef have all spoken up for the {n2} in recent weeks.',
    'Nobody from the {body} attended the public meeting about the {n3} on {day} evening.',
    'Engineers from a university laboratory sampled the water near the {n1} and found traces of lead.',
    'Bookmakers in {place} are offering odds on whether the {n2} will survive until {year}.',
    'The {n3} featured in a documentary that {n} thousand viewers watched on its first night.',
    '{p1} compared the handling of the {n1} to a slow train that nobody is driving.',
    'Volunteers have set up a soup kitchen beside the {n2} for workers who have not been paid since {month}.',
    'Satellite images taken in {month} show the {n3} flooded to the height of a man.',
    'The auditor general of {place} will report on the {n1} to parliament in {month}.',
    'Children from {k} schools wrote letters to {p2} asking him to keep the {n2} open.',
    'The {body} rejected a takeover bid for the {n3} from a rival in the capital.',
    'A petition calling for {p1} to step down had gathered {n} names by {day} night.',
    'Historians say the {n1} has survived two wars, a fire in {year} and countless budget cuts.',
    'Cyclists blocked the ring road around {place} for an hour to protest about the {n2}.',
    '{p2} keeps a model of the {n3} on his desk, a gift from the workers who built it.',
    'The police in {place} opened an investigation into missing funds at the {n1} on {day}.',
    'Several investors withdrew from the {n2} after {p1} questioned its accounts in public.',
)


def _vocabularies() -> dict[str, dict[str, str]]:
    """Each story's people, place, council and subjects; no name is in two stories."""
    rng, used = random.Random("chromesite"), set()

    def name(parts: int) -> str:
        while (found := "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()) in used or len(found) < 5:
            pass
        used.add(found)
        return found

    keys = dict.fromkeys(story_of(t, p) for p in range(PAGES_PER_TEMPLATE) for t in TEMPLATES)
    found = {}
    for number, key in enumerate(keys):  # in crawl order, so no two stories within days of each other share a subject
        n1, n2, n3 = (_NOUNS[(number * 3 + i) % len(_NOUNS)] for i in range(3))
        found[key] = {"p1": f"{name(2)} {name(3)}", "p2": f"{name(2)} {name(3)}", "place": name(3),
                      "body": f"{name(2)} Council", "n1": n1, "n2": n2, "n3": n3}
    return found


VOCABULARIES = _vocabularies()


def paragraphs(template: str, page: int) -> list[str]:
    """A page's own paragraphs (two sentences each, about its story), then any line its story's pages share."""
    words, rng = VOCABULARIES[story_of(template, page)], random.Random(f"{template}-{page}")
    sentences = [frame.format(**words, n=rng.randint(3, 950), k=rng.randint(2, 19), day=rng.choice(_DAYS),
                              month=rng.choice(_MONTHS), year=rng.randint(1998, 2021)) for frame in rng.sample(_FRAMES, 12)]
    found = [f"{sentences[i]} {sentences[i + 1]}" for i in range(0, 12, 2)]
    return found + [line for line, pages in LINES_IN.items() if (template, page) in pages]


def title(template: str, page: int) -> str:
    words = VOCABULARIES[story_of(template, page)]
    return f"{words['place']}: the {words['n1']} dispute, day {page + 1}"


def path(template: str, page: int) -> str:
    return f"/{template}/2022/04/story-{page:02d}.html"


def render(template: str, page: int) -> bytes:
    head = title(template, page)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(template, page))
    chrome = "".join(f"<p>{html.escape(line)}</p>" for line in TEMPLATES[template])
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(head)}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{html.escape(head)}">
<meta property="article:published_time" content="2022-04-{8 + page:02d}T09:00:00+00:00"></head>
<body><header><a href="/">{template.title()}</a><nav><a href="/world/">World</a> <a href="/business/">Business</a></nav></header>
<main><article class="post"><h1>{html.escape(head)}</h1><div class="entry-content">{body}{chrome}</div></article></main>
<footer><p>Terms of use · Privacy · Cookie settings</p></footer></body></html>""".encode()


class ChromeSite(LoopbackSite):
    """Serves every template's pages."""

    def route(self, target: str) -> Reply:
        for template in TEMPLATES:
            for page in range(PAGES_PER_TEMPLATE):
                if target == path(template, page):
                    return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], render(template, page))
        if target == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")

    def urls(self) -> list[str]:
        return [self.url(path(t, p)) for p in range(PAGES_PER_TEMPLATE) for t in TEMPLATES]


# A site in the daily template (seed 002's) whose petition promo sits inline in the story body, where no
# promo rule can find it: on its Peskov write-up and on two articles of other stories. Three write-ups of
# the Peskov story (the site's own and two others rewritten for it) share one quote.
PETITION_QUOTE = "“We have significant losses of troops, and it is a huge tragedy for us,” Peskov told Sky News."
PETITION_PAGES = ("/other-1.html", "/peskov.html", "/other-2.html", "/peskov-herald.html", "/peskov-observer.html")


def petition_promo() -> list[str]:
    return load_stories()["daily"].chrome["promo box"]


def petition_page(target: str) -> bytes:
    """One of :data:`PETITION_PAGES` in the daily template."""
    from dataclasses import replace

    from newssite import TEMPLATES as SITE_TEMPLATES
    from storysite import UNRELATED, _unrelated

    stories = load_stories()
    daily = stories["daily"]
    if target.startswith("/other-"):
        story = _unrelated(daily, UNRELATED["herald" if target == "/other-1.html" else "observer"])
        body = [*story.body, *petition_promo()]
    else:
        story = stories[{"/peskov.html": "daily", "/peskov-herald.html": "herald", "/peskov-observer.html": "observer"}[target]]
        body = [*story.body, PETITION_QUOTE] + (petition_promo() if target == "/peskov.html" else [])
    page = replace(daily, title=story.title, body=body)
    return SITE_TEMPLATES["daily"](page, "http://127.0.0.1" + target).encode("utf-8")


class PetitionSite(LoopbackSite):
    """Serves :data:`PETITION_PAGES`."""

    def route(self, target: str) -> Reply:
        if target in PETITION_PAGES:
            return Reply(200, "OK", [(b"Content-Type", b"text/html; charset=utf-8")], petition_page(target))
        if target == "/robots.txt":
            return Reply(200, "OK", [(b"Content-Type", b"text/plain")], b"User-agent: *\nAllow: /\n")
        return Reply(404, "Not Found", [(b"Content-Type", b"text/plain")], b"not found")
