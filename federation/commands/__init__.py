"""The `democite` commands of the federation areas (network, members, keys, review, twin, fund, audit)."""
