"""Leaves: small values every layer shares (dates, sizes and durations, network addresses, media types, schedules).

Imports nothing of the archiver but :mod:`archiver.errors`.
"""
