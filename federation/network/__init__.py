"""The network: membership (endorsements, removals), key rotation and their admin routes."""
