"""archiver: keep what the web published, byte-faithfully, with its clean text."""

__version__ = "0.1.0"
