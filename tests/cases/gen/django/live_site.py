"""A whole Django project in one module, for the live ASGI test.

Settings, URLconf and ASGI application: `uvicorn live_site:application`
from a folder holding the generated package `smallapi` and `impl.py`.
"""

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="django-test-key",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF="live_site",
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    INSTALLED_APPS=[],
    USE_TZ=True,
)

import impl
from smallapi.django_app import DjangoServer

SECRET = "test-secret-long-enough-for-hs256-keys"
server = DjangoServer(impl.make_service("smallapi"), secret=SECRET, max_body_size=4096)
urlpatterns = server.urls
application = server.asgi_application()
