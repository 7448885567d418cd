"""Leaves: words, near-duplicate signatures and version diffs of article text.

Pure functions on strings; imports nothing of the archiver.
"""
