"""Choose the copy and story thresholds: the five seed write-ups against the 945 corpus pages.

    python bench/stories.py

The five seeds of ../shared/seeds are rendered in their sites' templates
(tests/newssite.py, chrome included) and extracted like the corpus pages of
../shared/corpus/real-pages, with :func:`archiver.extract.pipeline.extract_article`.
It prints:

1. the seeds' shared 3-word shingles (they must not be near copies) and a
   wire copy of one seed with another intro and footer (it must be one);
2. TF-IDF cosine distributions: seed pairs, each seed's nearest corpus page,
   corpus pairs (IDF from all pages);
3. the grouping as the archive does it, article by article through
   :class:`~archiver.archive.writer.ArchiveWriter`, with the real dates and with every
   page given the same date (no help from the date window): whether the
   seeds form one story, whether any seed joins a corpus page, the corpus's
   stories of several articles and the largest ones' titles;
4. the cost per article: signature (in the extraction worker) and filing
   (on the crawl's I/O thread).
"""

from __future__ import annotations

import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Iterable
from unittest.mock import patch
from urllib.parse import urlsplit

import numpy as np
from scipy.sparse import csr_matrix

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
CORPUS = ROOT.parent / "shared" / "corpus" / "real-pages"

from newssite import TEMPLATES  # noqa: E402
from seeds import load_stories  # noqa: E402
from storysite import UNRELATED  # noqa: E402
from w3lib.encoding import html_to_unicode  # noqa: E402

from archiver.extract.blocks import blocks  # noqa: E402
from archiver.extract import Article, NoArticle, extract_article  # noqa: E402
from archiver.text.similarity import (  # noqa: E402
    COPY_JACCARD, SHINGLE_WORDS, STORY_SIMILARITY, content_hash, decide, jaccard, signature, weights, words,
)
from archiver.archive.writer import ArchiveWriter, FilingRules  # noqa: E402
from archiver.text import similarity as core_similarity  # noqa: E402

WIRE_URL = "https://wire.example/peskov-losses"
WIRE_INTRO = "Our correspondent in Kyiv reports on the Kremlin's first admission of heavy losses since the invasion began."
WIRE_FOOTER = "This story was supplied by a news agency and has not been edited by our staff. Follow us for more updates."


def _extract(job: tuple[str, str]) -> Article | None:
    name, url = job
    html = html_to_unicode(None, (CORPUS / "html" / name).read_bytes())[1]
    try:
        return extract_article(html, url)
    except NoArticle:
        return None


def _url(name: str, url: str) -> str:
    """The page's URL; for the few saved without one ("hard::site.org-slug.html"), one on the site its name gives."""
    if urlsplit(url).hostname:
        return url
    site, _, slug = name.split("::")[-1].removesuffix(".html").partition("-")
    return f"https://{site}/{slug}"


def load() -> tuple[dict[str, Article], dict[str, Article]]:
    """The seed articles by site key and the corpus articles by URL."""
    seeds = {}
    for key, story in load_stories().items():
        url = f"https://www.{key}.example/2022/04/peskov-interview.html"
        seeds[url] = extract_article(TEMPLATES[key](story, url), url)
    pages = json.loads((CORPUS / "annotations.json").read_text(encoding="utf-8"))
    jobs = sorted((name, _url(name, entry["url"])) for name, entry in pages.items())
    with ProcessPoolExecutor() as pool:
        corpus = {url: article for (_, url), article in zip(jobs, pool.map(_extract, jobs, chunksize=8)) if article}
    return seeds, corpus


def shingles(text: str) -> set[str]:
    tokens = words(text)
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def copies_report(seeds: dict[str, Article]) -> Article:
    """Shingles shared by the seeds, and a wire copy of the longest seed; returns that copy."""
    sets = {url: shingles(a.text) for url, a in seeds.items()}
    urls = list(seeds)
    print("## Copies\n\nseed pairs: shared 3-word shingles (Jaccard; share of the smaller set), MinHash estimate")
    for i, first in enumerate(urls):
        for second in urls[i + 1 :]:
            a, b = sets[first], sets[second]
            estimate = jaccard(seeds[first].signature.minhash(), seeds[second].signature.minhash())
            print(f"  {first.split('.')[1]:>8} {second.split('.')[1]:>8}: {len(a & b) / len(a | b):.3f}; "
                  f"{len(a & b) / min(len(a), len(b)):.3f}; MinHash {estimate:.3f}")
    original = min(seeds.values(), key=lambda a: a.word_count)
    lines = original.text.splitlines()
    text = "\n".join([WIRE_INTRO, *lines[1:], WIRE_FOOTER])
    copy = replace(original, text=text, blocks=blocks(text), signature=signature(blocks(text)))
    a, b = shingles(original.text), shingles(text)
    print(f"\nwire copy of the shortest seed ({original.word_count} words), first paragraph replaced, a footer added: "
          f"Jaccard {len(a & b) / len(a | b):.3f}, MinHash {jaccard(original.signature.minhash(), copy.signature.minhash()):.3f}"
          f" (near copy at >= {COPY_JACCARD})")
    return copy


def corpus_copies_report(corpus: dict[str, Article]) -> None:
    """MinHash Jaccard estimates of all corpus pairs: what separates copies from the rest."""
    sketches = np.array([a.signature.minhash() for a in corpus.values()])
    estimates = np.concatenate([(sketches[i + 1 :] == sketches[i]).mean(axis=1) for i in range(len(sketches) - 1)])
    print(f"\ncorpus pairs' MinHash Jaccard ({len(estimates)}): 99.9th percentile {np.percentile(estimates, 99.9):.3f}; "
          + ", ".join(f">= {cut}: {int((estimates >= cut).sum())}" for cut in (0.1, 0.2, 0.3, 0.5, 0.8)))


def _matrix(articles: list[Article]) -> csr_matrix:
    counts = [a.signature.term_counts() for a in articles]
    df = Counter(term for c in counts for term in c)
    vocabulary = {term: i for i, term in enumerate(df)}
    rows, cols, values = [], [], []
    for row, (c, article) in enumerate(zip(counts, articles)):
        for term, weight in weights(c, df, len(counts), article.signature.language).items():
            rows.append(row)
            cols.append(vocabulary[term])
            values.append(weight)
    return csr_matrix((values, (rows, cols)), shape=(len(counts), len(vocabulary)))


def similarity_report(seeds: dict[str, Article], corpus: dict[str, Article]) -> None:
    """Cosine distributions that place the story threshold."""
    articles = list(seeds.values()) + list(corpus.values())
    matrix = _matrix(articles)
    cosines = (matrix @ matrix.T).toarray()
    n = len(seeds)
    seed_pairs = sorted(cosines[i, j] for i in range(n) for j in range(i + 1, n))
    nearest = [cosines[i, n:].max() for i in range(n)]
    upper = cosines[n:, n:][np.triu_indices(len(corpus), k=1)]
    print("\n## TF-IDF cosine (IDF over all pages)\n")
    print(f"seed pairs (10): min {seed_pairs[0]:.3f}, median {statistics.median(seed_pairs):.3f}, max {seed_pairs[-1]:.3f}")
    print(f"each seed's nearest corpus page: {', '.join(f'{x:.3f}' for x in nearest)}")
    print(f"corpus pairs ({len(upper)}): median {np.median(upper):.4f}, 99.9th percentile {np.percentile(upper, 99.9):.3f}, "
          f"max {upper.max():.3f}")
    for cut in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6):
        print(f"  corpus pairs at or above {cut}: {int((upper >= cut).sum())}")
    pages = list(corpus.values())
    near = [(cosines[n + i, n + j], i, j) for i, j in zip(*np.nonzero(np.triu(cosines[n:, n:] >= 0.2, k=1)))]
    print("corpus pairs between 0.2 and the threshold (same date not required here):")
    for score, i, j in sorted(near, reverse=True):
        if score < STORY_SIMILARITY:
            print(f"  {score:.3f} {pages[i].title!r} ({pages[i].date}) / {pages[j].title!r} ({pages[j].date})")


def file_all(order: list[tuple[str, Article]], same_day: bool = False) -> tuple[list[dict], list[float]]:
    """File the articles in this order through the archive writer, as a crawl would; the rows and each filing's time."""
    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        writer = ArchiveWriter(Path(tmp) / "archive.db", rules=FilingRules(chrome_stories=0))
        for capture, (url, article) in enumerate(order, 1):
            if same_day:
                article = replace(article, date="2022-04-08")
            saved = writer.article(url, capture, article)
            start = time.perf_counter()
            writer.file_story(decide(writer.story_candidates(saved.article_id, article.signature)))
            timings.append(time.perf_counter() - start)
        writer.commit()
        rows = list(writer.storage.db.query("SELECT id, url, title, site, story_id, copy_of FROM articles"))
        writer.close()
    return rows, timings


def _story_count(rows: list[dict], urls: Iterable[str]) -> int:
    by_url = {r["url"]: r["story_id"] for r in rows}
    return len({by_url[url] for url in urls})


def sweep(seeds: dict[str, Article], corpus: dict[str, Article], copy: Article) -> None:
    """Each candidate threshold on a young archive (the test suite's case, 20 arrival orders) and on the whole corpus."""
    names = json.loads((CORPUS / "annotations.json").read_text(encoding="utf-8"))
    wanted = {_url(name, names[name]["url"]) for name in UNRELATED.values()}
    young = list(seeds.items()) + [(WIRE_URL, copy)] + [(url, a) for url, a in corpus.items() if url in wanted]
    everything = list(corpus.items()) + list(seeds.items()) + [(WIRE_URL, copy)]
    random.Random(8).shuffle(everything)
    print(f"\n## Story threshold sweep\n\nyoung archive: {len(young)} articles (the seeds, the wire copy, the 5 unrelated "
          "pages tests/storysite.py serves, two of them on one event), filed in 20 orders; whole corpus: real dates\n")
    print("| cosine | young: seeds in one story | young: unrelated pages' stories (4 is right) | young: pairs of seeds "
          "in one story, no unrelated page with them | corpus: seeds in one story "
          "| corpus pages in the seeds' story | corpus: stories of several articles |")
    print("|---|---|---|---|---|---|---|")
    others = [(url, a) for url, a in young if url in wanted]
    for threshold in (0.15, 0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35):
        with patch.object(core_similarity, "STORY_SIMILARITY", threshold):
            one, unrelated, pairs = 0, Counter(), 0
            for order in range(20):
                random.Random(order).shuffle(young)
                rows = file_all(young)[0]
                one += _story_count(rows, [*seeds, WIRE_URL]) == 1
                unrelated[_story_count(rows, wanted)] += 1
            for first, second in itertools.combinations(seeds.items(), 2):  # a fresh archive with just the pair
                rows = file_all([first, *others, second])[0]
                story = {r["url"]: r["story_id"] for r in rows}
                pairs += story[first[0]] == story[second[0]] and not any(story[u] == story[first[0]] for u in wanted)
            rows = file_all(everything)[0]
        seed_story = {r["story_id"] for r in rows if r["url"] in seeds}
        joined = sum(r["story_id"] in seed_story and r["url"] in corpus for r in rows)
        sizes = Counter(r["story_id"] for r in rows if r["story_id"] not in seed_story)
        print(f"| {threshold} | {one} of 20 | {dict(sorted(unrelated.items()))} | {pairs} of 10 | {len(seed_story) == 1} | {joined} "
              f"| {sum(n > 1 for n in sizes.values())} |")


def group(seeds: dict[str, Article], corpus: dict[str, Article], copy: Article, same_day: bool) -> None:
    """File every page in a shuffled order and report the groups."""
    order = list(corpus.items()) + list(seeds.items()) + [(WIRE_URL, copy)]
    random.Random(8).shuffle(order)
    rows, timings = file_all(order, same_day)
    by_url = {r["url"]: r for r in rows}
    story_of_seeds = {by_url[url]["story_id"] for url in seeds}
    members = defaultdict(list)
    for r in rows:
        members[r["story_id"]].append(r)
    seed_story = members[next(iter(story_of_seeds))]
    corpus_stories = [m for m in members.values() if len(m) > 1 and not any(r["url"] in seeds for r in m)]
    label = "every page dated 2022-04-08" if same_day else "real dates"
    print(f"\n## Grouping, {label} ({len(order)} articles in shuffled order)\n")
    print(f"seeds in one story: {len(story_of_seeds) == 1}; that story's articles: "
          f"{sorted(r['site'] for r in seed_story)}")
    wire, original = by_url[WIRE_URL], by_url[min(seeds, key=lambda url: seeds[url].word_count)]
    root = {r["url"]: r["copy_of"] or r["id"] for r in (wire, original)}
    print(f"wire copy and the seed it copies in one copy group: {len(set(root.values())) == 1} "
          f"(the later one filed is marked copy_of the earlier); in the seeds' story: {wire['story_id'] in story_of_seeds}")
    print(f"corpus pages in the seeds' story: {sum(r['url'] in corpus for r in seed_story)}")
    print(f"stories of several corpus articles: {len(corpus_stories)}, sizes {sorted(Counter(map(len, corpus_stories)).items())}")
    for story in sorted(corpus_stories, key=len, reverse=True)[:8]:
        print(f"  {len(story)} articles:")
        for r in story:
            print(f"    {r['site']}: {r['title']!r}{' (copy)' if r['copy_of'] else ''}")
    print(f"filing cost per article: mean {1000 * statistics.mean(timings):.2f} ms, "
          f"95th percentile {1000 * sorted(timings)[int(0.95 * len(timings))]:.2f} ms")


def signature_cost(corpus: dict[str, Article]) -> None:
    """What the extraction worker adds per page: blocks' MinHashes and term counts."""
    articles = list(corpus.values())
    start = time.perf_counter()
    for article in articles:
        signature(article.blocks)
        content_hash(article.text)
    per_page = (time.perf_counter() - start) / len(articles)
    words_mean = statistics.mean(a.word_count for a in articles)
    print(f"\nsignature in the worker: {1000 * per_page:.2f} ms per page ({words_mean:.0f} words on average)")


def main() -> None:
    seeds, corpus = load()
    print(f"{len(seeds)} seeds, {len(corpus)} corpus pages with an article; "
          f"thresholds: near copy at Jaccard >= {COPY_JACCARD}, story at cosine >= {STORY_SIMILARITY}\n")
    copy = copies_report(seeds)
    corpus_copies_report(corpus)
    similarity_report(seeds, corpus)
    sweep(seeds, corpus, copy)
    group(seeds, corpus, copy, same_day=False)
    group(seeds, corpus, copy, same_day=True)
    signature_cost(corpus)


if __name__ == "__main__":
    main()
