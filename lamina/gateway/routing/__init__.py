"""Route a request path + method to a REST resource method or an HTTP API route."""
