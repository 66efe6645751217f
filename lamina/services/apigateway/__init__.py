"""API Gateway's REST API (v1) management API (botocore service "apigateway"): REST APIs,
resources, methods, integrations, models, request validators, authorizers, gateway
responses, OpenAPI import and export, deployments and stages, kept in the control plane's
Store.

May import lamina.aws and lamina.core; never lamina.gateway or lamina.config (the
snapshot a deployment freezes is plain AWS-shaped data that lamina.config compiles).
"""
