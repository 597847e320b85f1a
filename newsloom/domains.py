"""What a site's domain says of its country: the two-letter country-code top-level domain of a URL, where it
is one ("example.co.uk" -> "uk"), and None for generic domains (.com, .org) and for the country codes sold
as generic names (.io, .tv, .co: ``newsloom/data/generic_domains.txt``)."""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from importlib import resources
from urllib.parse import urljoin, urlsplit

COUNTRY_CODE_LENGTH = 2  # ISO 3166-1 alpha-2, as every country-code domain is
SITE_LABELS = 2  # a host under a suffix the Public Suffix List lacks is read as "name.suffix"


@lru_cache(maxsize=1)
def generic_domains() -> frozenset[str]:
    text = (resources.files("newsloom") / "data" / "generic_domains.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def url_host(url: str | None) -> str | None:
    """The host of ``url``, lowercased; None for no URL, a URL without a host, and one that does not parse
    (urllib raises on "http://[bad/": a page's links and canonical address are the page's to get wrong)."""
    if not url:
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


def resolved(base: str, link: str) -> str | None:
    """``link`` made absolute against ``base``; None where it does not parse ("http://[desk/")."""
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def country_domain(url: str | None) -> str | None:
    """The country-code domain of ``url``, lowercased; None where the domain names no country."""
    host = (url_host(url) or "").rstrip(".")
    top = host.rsplit(".", 1)[-1].lower() if "." in host else ""
    return top if len(top) == COUNTRY_CODE_LENGTH and top not in generic_domains() else None


def site_domain(url: str | None) -> str | None:
    """The registered domain of ``url`` ("news.bbc.co.uk" -> "bbc.co.uk"), from the Public Suffix List the
    ``tld`` package ships; a host under a suffix the list lacks ("ledger.example") keeps its last two labels.
    None for a URL without a host (a relative link, "mailto:")."""
    host = (url_host(url) or "").rstrip(".")
    if "." not in host or _is_ip_address(host):
        return host if host else None
    from tld import get_fld  # its suffix list is read on first use

    return get_fld(host, fix_protocol=True, fail_silently=True) or ".".join(host.split(".")[-SITE_LABELS:])


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
