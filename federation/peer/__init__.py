"""The peer runtime: the /fed/v1/ endpoints and their guard, the only peer client, sync, gossip and peer health."""
