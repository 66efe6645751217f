"""The supervisor's side of execution-environment isolation.

Builds the ``sandbox`` part of a worker's spawn spec (isolation mode, layers, /tmp size)
and decides, once per interpreter, whether workers can isolate themselves in a mount
namespace, warning once when they cannot. The isolating itself happens in the forked
worker (lamina/functions/bootstrap/isolation.py). May import lamina.core and
lamina.functions' model, error and environment modules.
"""
