from core.errors import Conflict, DomainError, NotFound


class InvalidNetwork(DomainError):
    code = "invalid_network"


class NetworkAccountTaken(Conflict):
    code = "network_account_taken"


class LastLoginMethod(Conflict):
    code = "last_login_method"


class InvalidVisibility(DomainError):
    code = "invalid_visibility"


class ImportRefused(DomainError):
    """An upload that cannot be imported: the message says why, the field where."""

    code = "import_refused"


class VersionNotReady(DomainError):
    code = "version_not_ready"


class TopicFileInvalid(DomainError):
    """The topic file is not usable; ``field`` names the place (``topics[2].children[0]``)."""

    code = "topic_file_invalid"


class TopicNotShown(NotFound):
    """The member has no evidence for the topic in the latest scores (or hid it)."""

    code = "topic_not_shown"


class PlusKRefused(DomainError):
    code = "plus_k_refused"


class PlusKLimit(DomainError):
    code = "plus_k_limit"
    status = 429


class DisputeRefused(Conflict):
    code = "dispute_refused"


class NetworkConnectFailed(DomainError):
    """Signing in to the network did not prove the account: the message says why."""

    code = "network_connect_failed"


class FacebookLoginNeeded(NetworkConnectFailed):
    """No Facebook login with the page permissions: the member is sent to grant them."""

    code = "facebook_login_needed"
    status = 409


class SiteNotProven(DomainError):
    """The one-time code was not found on the blog: the message says where we looked."""

    code = "site_not_proven"
    status = 409


class SyncTooSoon(DomainError):
    code = "sync_too_soon"
    status = 429


class SyncNotPossible(Conflict):
    """The account cannot sync (no connector for its network, or no session)."""

    code = "sync_not_possible"
