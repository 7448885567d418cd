"""For scrapyd-deploy, which builds its egg with ``python setup.py bdist_egg``.

Everything (packages, the ``scrapy`` entry point naming archiver.settings) is
in pyproject.toml; without this file scrapyd-deploy would write its own
setup.py here, packaging a project named "project".
"""

from setuptools import setup

setup()
