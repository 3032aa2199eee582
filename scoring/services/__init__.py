"""Every write of the scoring app, one function per use case (see STYLE.md)."""

from scoring.services.actions import ImportSummary, actions_import
from scoring.services.members import (
    api_token_revoke,
    api_token_rotate,
    member_delete,
    member_for_user,
    member_opt_in,
    member_opt_out,
    member_update,
    network_account_connect,
    network_account_disconnect,
)

__all__ = [
    "api_token_revoke",
    "api_token_rotate",
    "ImportSummary",
    "actions_import",
    "member_delete",
    "member_for_user",
    "member_opt_in",
    "member_opt_out",
    "member_update",
    "network_account_connect",
    "network_account_disconnect",
]
