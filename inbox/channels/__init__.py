"""Channel accounts: their settings, the poller, the importer, quarantined input and health."""
from .models import (
    CHANNEL_TYPES,
    ChannelAccount,
    RejectedMessage,
    UnknownAccount,
    account_by_name,
    get_or_create_account,
)

__all__ = ["CHANNEL_TYPES", "ChannelAccount", "RejectedMessage", "UnknownAccount", "account_by_name", "get_or_create_account"]
