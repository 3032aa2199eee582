"""A member's Mastodon notifications as they happen: the instance's streaming API (the user's
notification stream, Server-Sent Events, through ``Mastodon.py``), or, where the instance
does not allow streaming, its notifications API polled from the last one stored.

Either way a notification becomes the record the sync's walk makes of it
(``mastodon.from_notification``: the same identities, so the walk and the stream store each
act once). Network I/O only: the caller stores, and moves its mark only after storing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mastodon import Mastodon, StreamListener
from mastodon import errors as mx

from scoring.connectors.base import ConnectorError, Record, Unavailable
from scoring.connectors.mastodon import (
    KNOWN_VERSION,
    NOTIFICATION_PAGE,
    NOTIFICATION_TYPES,
    TIMEOUT,
    _get,
    _id,
    _plain,
    address,
    domain_of,
    from_notification,
    translated,
)

READ_TIMEOUT = 45  # Mastodon's streaming server sends a heartbeat every 10 s or so

Notified = Callable[[str, list[Record]], None]  # (notification id, its records)


class StreamingRefused(ConnectorError):
    """The instance does not serve the streaming API to us (switched off, or behind a proxy
    that does not pass it): poll its notifications instead."""


class _Stop(Exception):
    """Raised inside the listener to leave the library's blocking read."""


class NotificationFollower:
    """One member's notifications on their instance, with their token."""

    def __init__(self, *, base_url: str, access_token: str, account_id: str) -> None:
        self.domain, self.account_id = domain_of(base_url), account_id
        self.api = Mastodon(
            access_token=access_token,
            api_base_url=base_url,
            ratelimit_method="throw",
            request_timeout=TIMEOUT,
            mastodon_version=KNOWN_VERSION,
        )
        self.me_id = None

    def _whoami(self) -> None:
        if self.me_id is None:
            me = self.api.account_verify_credentials()
            if address(me, self.domain) != self.account_id:
                raise mx.MastodonUnauthorizedError("The token belongs to another account.")
            self.me_id = _get(me, "id")

    def records(self, note) -> list[Record]:
        return from_notification(
            note, account_id=self.account_id, me_id=self.me_id, domain=self.domain
        )

    def since(self, mark: str | None) -> Iterator[tuple[str, list[Record]]]:
        """Every notification after ``mark`` (all of today's newest when None is given: the
        stream starts from the newest), oldest first, page by page, with its records."""
        try:
            self._whoami()
        except mx.MastodonError as error:
            raise translated(error, api=self.api, what="your account") from None
        while True:
            params = {"types[]": NOTIFICATION_TYPES, "limit": NOTIFICATION_PAGE}
            if mark is not None:
                params["min_id"] = mark
            else:
                params["limit"] = 1
            batch = _plain(self.api, "your notifications", "/api/v1/notifications", **params)
            for note in sorted(batch or [], key=_id):
                mark = str(_get(note, "id"))
                yield mark, self.records(note)
            if not batch or params["limit"] == 1:
                return

    def listen(self, on_notified: Notified, stop: Callable[[], bool]) -> None:
        """Follow the notification stream until ``stop()`` (asked at every event and
        heartbeat) or the connection ends. Raises StreamingRefused when the instance will not
        stream, Unavailable when the connection fails or ends, the interface's errors for an
        access that no longer works."""
        try:
            self._whoami()
            if not self.api.stream_healthy():
                raise StreamingRefused("Your instance does not stream notifications.")
        except (mx.MastodonNotFoundError, mx.MastodonServerError):
            raise StreamingRefused("Your instance does not stream notifications.") from None
        except mx.MastodonNetworkError:
            raise StreamingRefused("Your instance's stream could not be reached.") from None
        except mx.MastodonError as error:
            raise translated(error, api=self.api, what="your notifications") from None
        listener = _Listener(self, on_notified, stop)
        try:
            self.api.stream_user_notifications(listener, timeout=READ_TIMEOUT)
        except _Stop:
            return
        except mx.MastodonUnauthorizedError as error:
            raise translated(error, api=self.api, what="your notifications") from None
        except mx.MastodonError as error:
            raise Unavailable(f"The notification stream ended: {error}") from None


class _Listener(StreamListener):
    def __init__(self, follower: NotificationFollower, on_notified: Notified, stop) -> None:
        super().__init__()
        self.follower, self.on_notified, self.stop = follower, on_notified, stop

    def on_notification(self, notification) -> None:
        if _get(notification, "type") in NOTIFICATION_TYPES:
            self.on_notified(str(_get(notification, "id")), self.follower.records(notification))
        if self.stop():
            raise _Stop

    def handle_heartbeat(self) -> None:
        if self.stop():
            raise _Stop

    def on_unknown_event(self, name, unknown_event=None) -> None:
        pass  # a newer instance's event: nothing of ours
