from django.conf import settings


def site(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_OWNER": settings.SITE_OWNER,
    }
