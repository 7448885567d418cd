"""The demo: a small news site written for the archiver (package data), served on loopback by ``archiver demo``."""
