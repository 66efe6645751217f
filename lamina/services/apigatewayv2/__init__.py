"""The HTTP API (API Gateway v2) management API: APIs, routes, integrations, authorizers,
stages, deployments, custom domain names and API mappings, kept in the control-plane
Store. May import core, aws. The data plane's model is built from its snapshots by
lamina.config.apigatewayv2_compile."""
