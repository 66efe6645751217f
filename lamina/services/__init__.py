"""AWS-compatible services, one package each. May import core, http, aws, functions."""
