"""Komus Gateway: the hub between a company's procurement systems and Komus."""

__version__ = "0.1.0"
