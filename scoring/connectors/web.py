"""Bounded, safe fetching of a URL a member (or a stranger, for webmentions) gave us.

Whatever the URL says, a fetch:

* speaks only ``http`` and ``https``, with no user name or password in the URL;
* refuses a host that resolves to an address that is not plainly public (private, loopback,
  link-local, multicast, reserved, unspecified, shared, IPv4 inside IPv6): checked before
  connecting, and again on the socket's own peer address once connected (a name that
  resolves twice, differently, gets no further);
* follows at most :data:`MAX_REDIRECTS` redirects, by hand, each hop checked as the first;
* reads the body streamed, and stops at the first byte past ``max_bytes`` (counted after
  any gzip or deflate is undone, so a small compressed bomb is caught too);
* ends within ``timeout`` seconds in all, redirects and a slow trickle of bytes included;
* ignores the environment's proxies (a proxy would connect where we could not check).

Every failure is a :class:`FetchError`, also a :class:`~scoring.connectors.base.Unavailable`
(worth retrying: timeouts, 5xx, 429, connection errors) or a
:class:`~scoring.connectors.base.Refused` (for good: a refused address, a 4xx, a body too
large, too many redirects, a type not wanted), with a message naming the URL and the problem
in words for the member.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scoring.connectors.base import ConnectorError, RateLimited, Refused, Unavailable

MAX_REDIRECTS = 5
MAX_URL = 2048
CHUNK = 64 * 1024
USER_AGENT = "KloutFair/1.0 (+https://kloutfair.example/bot)"
REDIRECTS = (301, 302, 303, 307, 308)
DEFAULT_ACCEPT = "*/*"


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought back: the final URL (after redirects), its status (2xx), the
    media type alone (lowercase, without parameters), the body, and the headers."""

    url: str
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"' ")
        return None

    def text(self) -> str:
        """The body as text: the charset the server named, else UTF-8 (bad bytes replaced)."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class FetchError(ConnectorError):
    """A fetch failed. ``url`` is the URL that failed (a redirect's hop, maybe), ``status``
    the HTTP status when the server answered."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url, self.status = url, status


class FetchUnavailable(FetchError, Unavailable):
    """A passing fault: a timeout, a connection error, a 5xx. Worth retrying later."""


class FetchRefused(FetchError, Refused):
    """The fetch cannot succeed as asked; retrying will not help."""


class AddressRefused(FetchRefused):
    """Not a URL we fetch: its scheme, its form, or the address its host resolves to."""


class HttpError(FetchRefused):
    """The server answered with a 4xx (``status``)."""


class TooLarge(FetchRefused):
    """The body is larger than the limit."""


class TooManyRedirects(FetchRefused):
    """More redirects than :data:`MAX_REDIRECTS`."""


class WrongType(FetchRefused):
    """The server answered with a media type that was not asked for."""


class FetchRateLimited(FetchError, RateLimited):
    """A 429: the server asks us to wait until ``until``."""

    def __init__(self, message: str, *, url: str, until: datetime) -> None:
        RateLimited.__init__(self, message, until=until)
        self.url, self.status = url, 429


# --- addresses ---------------------------------------------------------------------------------
def refusal(address: str) -> str | None:
    """Why an IP address is not fetched from (None: it is a plain public address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour or ip.teredo):
        return "an IPv4 address inside IPv6"
    for name in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{name}"):
            return f"a {name.replace('_', '-')} address"
    if not ip.is_global:
        return "an address that is not public"
    return None


def _check_address(url: str, host: str, address: str) -> None:
    why = refusal(address)
    if why:
        raise AddressRefused(
            f"{url} is not fetched: {host} is {why} ({address}), not a public web site.", url=url
        )


def _resolve(url: str, host: str, port: int) -> None:
    """Every address the host resolves to must be public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        if error.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
            raise AddressRefused(
                f"{url} cannot be fetched: no such host {host}.", url=url
            ) from None
        raise FetchUnavailable(
            f"{url} cannot be fetched now: the name {host} did not resolve ({error}).", url=url
        ) from None
    except UnicodeError:
        raise AddressRefused(
            f"{url} cannot be fetched: {host} is not a valid name.", url=url
        ) from None
    for *_, sockaddr in found:
        _check_address(url, host, str(sockaddr[0]))


class _PeerRefused(Exception):
    """Raised inside urllib3 (which passes unknown exceptions through untouched)."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(address)
        self.host, self.address = host, address


class _CheckedMixin:
    def _new_conn(self):  # the raw socket, before any TLS: its peer is what we reached
        sock = super()._new_conn()
        address = str(sock.getpeername()[0])
        if refusal(address):
            sock.close()
            raise _PeerRefused(str(self.host), address)
        return sock


class _CheckedHTTPConnection(_CheckedMixin, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedMixin, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    """Connections whose peer address is checked once connected."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def _session(allow_private: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies, no .netrc: we connect where we checked
    if not allow_private:
        session.mount("http://", _CheckedAdapter())
        session.mount("https://", _CheckedAdapter())
    return session


# --- URLs --------------------------------------------------------------------------------------
def canonical(url: str) -> str:
    """A URL in one spelling: scheme and host lowercase, default port and fragment dropped,
    an empty path made ``/``. Path and query are kept as they are."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        host = f"{userinfo}@{host}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def origin(url: str) -> str:
    """The scheme and host of a URL, as its home page: ``https://example.com/``."""
    parts = urlsplit(canonical(url))
    return f"{parts.scheme}://{parts.netloc}/"


def _checked_url(url: str) -> tuple[str, str, int]:
    """The URL to ask for (no fragment), its host and port; AddressRefused if not fetched."""
    if len(url) > MAX_URL:
        raise AddressRefused(f"{url[:80]}… is longer than {MAX_URL} characters.", url=url[:MAX_URL])
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise AddressRefused(f"{url} is not a valid URL.", url=url) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise AddressRefused(f"{url} is not an http or https URL.", url=url)
    if not parts.hostname:
        raise AddressRefused(f"{url} names no host.", url=url)
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(f"{url} must not hold a user name or password.", url=url)
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    return urlunsplit(parts._replace(fragment="")), parts.hostname, port


# --- fetching ----------------------------------------------------------------------------------
def fetch(
    url: str,
    *,
    max_bytes: int = 2_000_000,
    timeout: float = 10,
    allow_private: bool = False,
    accept: str = DEFAULT_ACCEPT,
    types: tuple[str, ...] | None = None,
) -> Fetched:
    """GET ``url`` within the limits the module names. ``types``, when given, lists the media
    types (or prefixes such as ``text/``) the body may have: any other is :class:`WrongType`.
    Only a 2xx comes back; every other outcome raises a :class:`FetchError`."""
    deadline = time.monotonic() + timeout
    session = _session(allow_private)
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    try:
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            target, host, port = _checked_url(current)
            if not allow_private:
                _resolve(current, host, port)
            response = _get(session, target, headers, deadline, timeout)
            with response:
                if response.status_code in REDIRECTS and response.headers.get("Location"):
                    if hop == MAX_REDIRECTS:
                        raise TooManyRedirects(
                            f"{url} redirected more than {MAX_REDIRECTS} times; we stopped at "
                            f"{current}.",
                            url=current,
                        )
                    current = urljoin(target, response.headers["Location"].strip())
                    continue
                return _answer(response, target, max_bytes, deadline, timeout, types)
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        session.close()


def _get(session, url: str, headers: dict, deadline: float, timeout: float):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timed_out(url, timeout)
    try:
        return session.get(
            url, headers=headers, stream=True, allow_redirects=False, timeout=remaining
        )
    except _PeerRefused as peer:
        _check_address(url, peer.host, peer.address)
        raise  # pragma: no cover (the check always refuses)
    except requests.Timeout:
        raise _timed_out(url, timeout) from None
    except requests.RequestException as error:
        raise FetchUnavailable(
            f"{url} could not be reached ({type(error).__name__}); we will try again later.",
            url=url,
        ) from None


def _timed_out(url: str, timeout: float) -> FetchUnavailable:
    return FetchUnavailable(f"{url} did not answer within {timeout:g} seconds.", url=url)


def _answer(response, url, max_bytes, deadline, timeout, types) -> Fetched:
    status = response.status_code
    if status == 429:
        raise FetchRateLimited(
            f"{url} asked us to slow down (429).", url=url, until=_retry_after(response)
        )
    if status >= 500:
        raise FetchUnavailable(
            f"{url} failed on its side ({status}); we will try again later.", url=url, status=status
        )
    if status >= 400 or not 200 <= status < 300:
        reason = response.reason or "refused"
        raise HttpError(f"{url} answered {status} ({reason}).", url=url, status=status)
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if types is not None and not any(media.startswith(wanted) for wanted in types):
        raise WrongType(
            f"{url} is {media or 'of no stated type'}, not {' or '.join(types)}.", url=url
        )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes)
    body = _read(response, url, max_bytes, deadline, timeout)
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Fetched(canonical(url), status, media, body, headers)


def _read(response, url: str, max_bytes: int, deadline: float, timeout: float) -> bytes:
    """The body, one socket read at a time, each read given only the time left."""
    raw, chunks, size = response.raw, [], 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timed_out(url, timeout)
            sock = getattr(getattr(raw, "connection", None), "sock", None)
            if sock is not None:
                sock.settimeout(remaining)
            chunk = raw.read1(CHUNK, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(url, max_bytes)
            chunks.append(chunk)
    except FetchError:
        raise
    except TimeoutError:
        raise _timed_out(url, timeout) from None
    except Exception as error:  # urllib3's read errors (timeouts wrapped, resets, bad gzip)
        if "timed out" in str(error).lower():
            raise _timed_out(url, timeout) from None
        raise FetchUnavailable(
            f"{url} broke off while sending ({type(error).__name__}).", url=url
        ) from None


def _too_large(url: str, max_bytes: int) -> TooLarge:
    return TooLarge(f"{url} is larger than the limit of {max_bytes:,} bytes.", url=url)


def _retry_after(response) -> datetime:
    value = (response.headers.get("Retry-After") or "").strip()
    now = datetime.now(UTC)
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), 86400))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return now + timedelta(minutes=5)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
