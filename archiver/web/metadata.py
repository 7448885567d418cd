"""The Datasette metadata shipped with the archiver (``metadata.yml``), fitted to one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

METADATA = Path(__file__).with_name("metadata.yml")
SHIPPED_DATABASE = "archive"  # the database name metadata.yml describes


def metadata(database: str, warc_dir: Path | None = None, writable: bool = False) -> dict[str, Any]:
    """The shipped metadata, describing the database Datasette names ``database`` (a file's stem)."""
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {database: data["databases"][SHIPPED_DATABASE]}
    # the links to the landing page, for this database's name
    landing = f'href="-/archiver/{SHIPPED_DATABASE}"'
    for described in (data, data["databases"][database]):
        described["description_html"] = described["description_html"].replace(landing, f'href="-/archiver/{quote(database)}"')
    config = data.setdefault("plugins", {}).setdefault("archiver", {})
    if warc_dir is not None:
        config["warc_dir"] = str(warc_dir.resolve())
    config["writable"] = writable
    return data
