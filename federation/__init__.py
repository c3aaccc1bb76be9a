"""Everything between nodes: peer endpoints and client, sync, membership, gossip, cooperation."""
