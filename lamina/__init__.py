"""Lamina: a self-hosted serverless platform (API Gateway + Lambda + data services).

Layers, imports pointing down: core <- http <- aws <- {gateway, functions, services}
<- config <- cli. See ../shared/DESIGN.md.
"""

__version__ = "0.1.0"
