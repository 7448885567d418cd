"""``archiver demo``: archive a small news site served on this machine, offline, with two real crawls.

The site (:mod:`archiver.demo.site`) runs on threads of this process, on
127.0.0.1 and a free port.  The crawls are ``scrapy crawl`` processes of the
project, as a user runs them, allowed to reach that one address
(``ARCHIVER_ALLOW_NETWORKS=127.0.0.1/32``) and quiet but for warnings and
their reports.  The folder is marked as the demo's, so that running the demo
again replaces its archive, and never anything else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from archiver.values.dates import iso_utc
from archiver.values.values import plural
from archiver.demo.site import SITE_NAME, DemoSite
from archiver.storage import status as queries
from archiver.cli import cli

MARKER = ".archiver-demo"  # the file that says a folder holds the demo's archive and nothing else


def prepare(folder: Path) -> None:
    """An empty folder for the demo: new, empty, or the demo's own (its archive removed); else a one-sentence error."""
    found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    if found and MARKER not in found:
        shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        raise click.ClickException(f"{folder} holds files that are not the demo's ({shown}); "
                                   "give an empty or new folder with --dir.")
    for name in found:  # the demo's own: its database (and WAL, lock files) and WARC folder
        path = folder / name
        if name == "warcs" and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif name.startswith("archive.db") and not path.is_dir():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("This folder holds the archive of `archiver demo`, which replaces it on each run.\n",
                                 encoding="utf-8")


def crawl(folder: Path, spider: str, arguments: dict[str, str]) -> None:
    """One ``scrapy crawl`` of the demo site into the folder's archive; a one-sentence error if it fails."""
    shown = " ".join(f"-a {key}={value}" for key, value in arguments.items())
    click.echo(f"\n$ scrapy crawl {spider} {shown}", err=True)
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in arguments.items():
        command += ["-a", f"{key}={value}"]
    settings = {"ARCHIVER_DB": folder / "archive.db", "ARCHIVER_WARC_DIR": folder / "warcs",
                "ARCHIVER_ALLOW_NETWORKS": "127.0.0.1/32", "ARCHIVER_QUIET": "1",
                "AUTOTHROTTLE_ENABLED": "0"}  # the site is this machine's own: no need to spare it
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    # the project's settings wherever the archiver is installed; run in the demo folder, whose
    # contents are known, so that no spiders package of the current folder is imported instead
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "archiver.settings"}
    done = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise click.ClickException(f"The demo's {spider} crawl exited with status {done.returncode} (its log is above); "
                                   "run archiver demo again, and report the log if it fails again.")


@cli.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"),
              show_default=True, help="The folder of the demo archive (archive.db and warcs), replaced on each run.")
def demo(folder: Path) -> None:
    """Archive a small news site served on this machine: offline, two real crawls, then how to browse the result.

    Serves The Larkfield Courier, a news site written for the demo (two
    sections, a sitemap, a news sitemap, an RSS feed and the chrome of a
    real site), on 127.0.0.1.  Crawls it with the sitemap spider; then the
    site updates a story and publishes a new one, and the feed spider
    re-checks every entry (-a recrawl=1).  Each crawl ends with its report.
    """
    shown = folder  # as given: the commands printed at the end are the user's to type
    folder = folder.resolve()
    prepare(folder)
    site = DemoSite().start()
    try:
        click.echo(f"Serving {SITE_NAME} ({plural(len(site.stories), 'article', 'articles')}) at {site.base}/", err=True)
        crawl(folder, "sitemap", {"url": f"{site.base}/"})
        site.edition = 2
        click.echo(f"\n{SITE_NAME} updates a story and publishes a new one; the feed spider re-checks them all.", err=True)
        crawl(folder, "feed", {"url": f"{site.base}/feed.xml", "recrawl": "1"})
    finally:
        site.stop()
    conn = queries.open_read_only(folder / "archive.db")
    try:
        totals = queries.totals(conn, iso_utc())
    finally:
        conn.close()
    db = shown / "archive.db"
    click.echo(
        f"\nDemo done: {plural(totals['articles'], 'article', 'articles')} archived in {db} (WARC files in "
        f"{shown / 'warcs'}); {plural(totals['articles_changed'], 'article', 'articles')} with a second version, "
        f"{plural(totals['stories_of_several'], 'story', 'stories')} told by several articles.\n"
        f"Browse it:  archiver serve {db}\n"
        f"Its status: archiver status --db {db}")
