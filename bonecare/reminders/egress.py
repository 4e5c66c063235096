"""The one way out to push services: an HTTP session that sends only to a URL parsed as the client parses it,
never follows a redirect, and checks the address of every connection it opens (DNS may answer differently
when it connects than when the endpoint was checked); and, for APNs, an HTTP/2 client whose connections pass
the same check."""

import socket
import ssl
from collections.abc import Callable

import httpcore
import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError

from bonecare.reminders.endpoints import address_refused, bare_host, strict_url

Resolve = Callable[..., list]  # socket.getaddrinfo's shape


class Refused(Exception):
    """A URL or address the worker must not reach; not an OSError, so no network-retry layer takes it for one."""


class Guard:
    """Which addresses a host may be reached at: any for a host in BONECARE_PUSH_ALLOWED_HOSTS, else only
    publicly routable ones."""

    def __init__(self, allowed_hosts: list[str], resolve: Resolve = socket.getaddrinfo):
        self.allowed = {bare_host(h) for h in allowed_hosts}
        self.resolve = resolve

    def addresses(self, host: str, port: int) -> list[str]:
        """The resolved addresses of host the worker may connect to; Refused when there is none."""
        found = [info[4][0] for info in self.resolve(host, port, type=socket.SOCK_STREAM)]
        if bare_host(host) in self.allowed:
            return found
        approved = [address for address in found if not address_refused(address)]
        if not approved:
            raise Refused("the push service's address is not one the server may reach")
        return approved


class _GuardedConnection:
    """Mixed into urllib3's connections: resolve, check, then connect to an approved address only."""

    guard: Guard

    def _new_conn(self):
        name = self._dns_host
        try:
            addresses = self.guard.addresses(name, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error = None
        try:
            for address in addresses:
                self._dns_host = address  # urllib3 connects to _dns_host; TLS still checks the name (self.host after)
                try:
                    return super()._new_conn()
                except ConnectTimeoutError as exc:  # and NewConnectionError, its subclass: try the next address
                    error = exc
            raise error
        finally:
            self._dns_host = name


class GuardedAdapter(HTTPAdapter):
    """requests' transport with connections that pass through a Guard."""

    def __init__(self, guard: Guard):
        self.guard = guard
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        """Pools whose connections are guarded."""
        super().init_poolmanager(*args, **kwargs)
        attrs = {"guard": self.guard}
        http = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), attrs)
        https = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


class GuardedSession(requests.Session):
    """The session every HTTP push back-end sends with."""

    def __init__(self, allowed_hosts: list[str], resolve: Resolve = socket.getaddrinfo):
        super().__init__()
        self.trust_env = False  # no proxy from the environment: it would connect where no Guard looks
        adapter = GuardedAdapter(Guard(allowed_hosts, resolve))
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, **kwargs):
        """Send to the URL rebuilt from the one parse (Refused when that parse is ambiguous); a redirect is
        answered as it came, never followed."""
        try:
            url = strict_url(url).url
        except ValueError as exc:
            raise Refused(str(exc)) from exc
        return super().request(method, url, **{**kwargs, "allow_redirects": False})


class _GuardedNetwork(httpcore.SyncBackend):
    """httpcore's sockets, opened only to an address a Guard approves (TLS still checks the host's name)."""

    def __init__(self, guard: Guard):
        self.guard = guard

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        """Resolve, check, then connect to an approved address only."""
        try:
            addresses = self.guard.addresses(host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}") from exc
        error = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:  # try the next address
                error = exc
        raise error


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over an HTTP/2-only connection pool whose connections pass through a Guard."""

    def __init__(self, guard: Guard, context: ssl.SSLContext):
        super().__init__(verify=context, trust_env=False, http1=False, http2=True)
        # httpx takes no network back-end of its own: the pool it made is replaced by one that has ours
        self._pool = httpcore.ConnectionPool(
            ssl_context=context, http1=False, http2=True, keepalive_expiry=300, network_backend=_GuardedNetwork(guard)
        )


def guarded_http2_client(allowed_hosts: list[str], resolve: Resolve, ca_file: str | None = None) -> httpx.Client:
    """An HTTP/2 client for one send thread (httpcore's sync HTTP/2 is not safe across threads: apns.py): TLS
    verified against certifi's CA bundle (httpx's default) or `ca_file`, no proxy from the environment, no
    redirect followed, every connection's address checked."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else httpx.create_ssl_context()
    return httpx.Client(
        transport=_GuardedTransport(Guard(allowed_hosts, resolve), context), trust_env=False, follow_redirects=False
    )
