from klout.errors import Conflict, DomainError


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
