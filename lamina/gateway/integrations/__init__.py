"""Integrations: what the gateway calls once a request is routed."""
