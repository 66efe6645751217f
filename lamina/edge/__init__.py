"""The one port: dispatch each request to the gateway, an AWS API or a reserved path.

May import every layer below config (gateway, services, functions, aws, http, core).
"""
