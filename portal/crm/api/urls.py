from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("communications", views.CommunicationViewSet, basename="communication")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("orders", views.OrderViewSet, basename="order")


@csrf_exempt  # as the API's views are: a PUT to no address is a 404, not a form's CSRF refusal
def no_such_address(request: HttpRequest) -> JsonResponse:
    """An address under api/ that names no operation (``/api/v1/orders/0.5``, an unknown collection): the API's
    404, in JSON like every other answer of the API, not the pages' HTML one."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


urlpatterns = [
    path("api/v1/leads", views.lead_create, name="api-leads"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"^api/(?!schema$)", no_such_address),  # last: what nothing above matched (api/schema: a slash added)
]
