"""One module per command; each defines a click command and calls into the library.

Add a command by writing ``hjwatch/commands/<name>.py`` and listing it here.
"""

from hjwatch.commands.alerts import alerts
from hjwatch.commands.crawl import crawl
from hjwatch.commands.export import export
from hjwatch.commands.extract import extract
from hjwatch.commands.nightly import nightly
from hjwatch.commands.reextract import reextract
from hjwatch.commands.review import review
from hjwatch.commands.search import search
from hjwatch.commands.serve import serve

COMMANDS = [extract, crawl, nightly, search, alerts, export, review, reextract, serve]
