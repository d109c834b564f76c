from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("communications", views.CommunicationViewSet, basename="communication")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("api/v1/leads", views.lead_create, name="api-leads"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
