"""One territory's node: config, keys, storage, the local domain and the local admin API."""
