"""The ASGI server bootstrap and HTTP primitives. May import lamina.core."""
