"""Role matrix of the service routes outside `/api/v1`."""

from tests.role_matrix_support import RouteCase, everyone

ROUTES = [
    RouteCase("GET", "/healthz", everyone(200)),
    RouteCase("GET", "/readyz", everyone(200)),
]
