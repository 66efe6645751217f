"""AWS WAF for API Gateway stages: web ACLs, their rules and the engine that evaluates them.

The model (`model.py`) is AWS::WAFv2's, built by lamina.config.waf from templates and held
by a REST API stage. `engine.py` compiles a web ACL once per deployment into matchers;
`detect.py` runs SQL injection and cross-site scripting detection with ModSecurity and the
OWASP Core Rule Set (vendored under `crs/`); `rate.py` counts requests for rate-based rules.

May import lamina.gateway.request and lamina.core only (the firewall stage wires it in).
"""
