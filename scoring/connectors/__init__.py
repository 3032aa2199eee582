"""Live connectors, one per network, behind the interface of ``base``: network I/O through
the network's own client library, yielding the parsers' records. No database, no Django."""
