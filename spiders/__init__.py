"""Scrapy spiders: one base class per access method (``base.py``), one short subclass per source
(``sources/``). Spiders yield ``items.RawDocument``; storage is the item pipeline's job."""
