"""Every query and write statement of the notifications service: ``messages`` (citizen and
officer messages, preferences) and ``webhooks`` (endpoints, their messages and attempts, the
disposisi-chain copy). Repositories never commit: the use case's unit of work does."""

