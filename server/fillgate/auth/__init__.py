"""Authentication: principals and scopes, bearer tokens (hashed), [auth] settings, TLS."""
