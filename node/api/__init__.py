"""The local admin API: JSON over HTTP on loopback, bearer token, one error shape, OpenAPI."""
