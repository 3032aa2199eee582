from klout.errors import Conflict, DomainError


class InvalidNetwork(DomainError):
    code = "invalid_network"


class NetworkAccountTaken(Conflict):
    code = "network_account_taken"


class InvalidVisibility(DomainError):
    code = "invalid_visibility"
