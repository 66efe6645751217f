"""API Gateway data plane: routing, proxy events, response mapping, gateway responses.

May import core, http, aws and functions.service (the one seam to the runtime).
"""
