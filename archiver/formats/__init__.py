"""Leaves: the file and wire formats the archive reads and writes (WARC, CDXJ, feeds, content codings, charsets).

Also the typed records that cross layers (:mod:`.records`).  Imports only the
other leaves (:mod:`archiver.values`, :mod:`archiver.text`, :mod:`archiver.runtime`).
"""
