"""A Cognito user pools-compatible identity service: pools, clients, users, groups, tokens."""
