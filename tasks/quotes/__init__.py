"""Quotations and who said them (see tasks.quotes.extract)."""
