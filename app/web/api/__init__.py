"""/api/v1: the JSON interface of the city and district platforms (API keys, no session, no CSRF).

``common`` holds the blueprint, authentication and errors; ``views`` the routes; ``schemas`` the
request and response schemas, from which ``openapi`` builds the document.
"""

from app.web.api import views
from app.web.api.common import bp

__all__ = ["bp", "views"]
