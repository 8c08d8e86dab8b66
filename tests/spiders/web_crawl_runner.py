"""Runs the web spiders in a fresh process (a Twisted reactor cannot restart) and writes what
they yield as JSON lines. Used by the loopback crawl tests:

    python tests/spiders/web_crawl_runner.py run.json

``run.json``: {"spiders": ["news", "pages"], "sources": {...}, "settings": {...}, "out": "items.jsonl"}
Bodies are written as their length and SHA-256 (the tests compare text, not bytes).
"""

from __future__ import annotations

import hashlib
import json
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


class JsonLinesPipeline:
    def open_spider(self, spider):
        self.out = open(spider.settings["HJWATCH_TEST_OUT"], "a", encoding="utf-8")

    def close_spider(self, spider):
        self.out.close()
        # The crawler's stats, for tests of what a run counts (errors, skips).
        stats = spider.crawler.stats.get_stats()
        with open(f"{spider.settings['HJWATCH_TEST_OUT']}.{spider.name}.stats.json", "w", encoding="utf-8") as fh:
            json.dump(stats, fh, default=str)

    def process_item(self, item, spider):
        row = {k: v for k, v in dict(item).items() if k != "body"}
        body = item.get("body") or b""
        row["body_len"] = len(body)
        row["body_sha256"] = hashlib.sha256(body).hexdigest()
        row["spider"] = spider.name
        self.out.write(json.dumps(row, default=str) + "\n")
        self.out.flush()
        return item


def main(path: str | list[str]) -> None:
    """Crawl as ``run.json`` says; ``path`` may be the argv list of a forked child."""
    if isinstance(path, list):
        path = path[0]
    run = json.load(open(path, encoding="utf-8"))
    settings = Settings()
    settings.setmodule("hjwatch.spiders.settings", priority="project")
    settings.set("HJWATCH_SOURCES", run["sources"], priority="cmdline")
    settings.set("HJWATCH_TEST_OUT", run["out"], priority="cmdline")
    # This module's own name: "__main__" as a script, its import path in a forked child.
    pipelines = {f"{__name__}.JsonLinesPipeline": 900}
    pipelines.update(run.get("pipelines", {}))
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    for key, value in run.get("settings", {}).items():
        settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings)
    for name in run["spiders"]:
        process.crawl(name)
    process.start()


if __name__ == "__main__":
    main(sys.argv[1])
