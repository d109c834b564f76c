"""REST endpoints: thin, scoped (querysets come from portal.crm.scopes), writes through services."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status, viewsets
from rest_framework.decorators import action, api_view, parser_classes, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from portal.limits import JSONParser

from .. import reads
from ..automation.texts import shown_all
from ..errors import NotVisible
from ..models import Store
from ..scopes import (
    communications_visible_to,
    customers_visible_to,
    follow_ups_visible_to,
    orders_visible_to,
    vehicles_visible_to,
)
from ..selectors import customer_search
from ..services import contacts, customers, leads, vehicles
from ..services.common import visible_or_raise
from .schema import BoundedDate  # noqa: F401 - registers the schema's field extensions before any schema is made
from .serializers import (
    BIGGEST,
    CommunicationSerializer,
    CustomerSerializer,
    FollowUpSerializer,
    LeadResultSerializer,
    LeadSerializer,
    OrderSerializer,
    PaymentSerializer,
    VehicleSerializer,
)

# The API reads JSON only, as its schema says: a form's empty values and flattened lists would not mean what the
# same JSON means. A body of another media type is answered 415.
JSON_ONLY = [JSONParser]


def _whole_number(request: Request, name: str) -> int | None:
    """A query parameter that must be a whole number from 1: absent is None, anything else a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= BIGGEST):
        raise ValidationError({name: [_("Give a whole number from 1.")]})
    return int(raw)


def _text(request: Request, name: str) -> str:
    """A query parameter that is text: PostgreSQL holds no NUL character, so one in it is a 400 naming it."""
    raw = request.query_params.get(name, "")
    if "\x00" in raw:
        raise ValidationError({name: [_("Null characters are not allowed.")]})
    return raw


class Pages(pagination.PageNumberPagination):
    """DRF's pages; ``?page=`` that is no whole number from 1 is a 400 (DRF would read an empty one as page 1)."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        _whole_number(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class JSONOnly:
    parser_classes = JSON_ONLY
    # An id in a path has at most 18 digits (under 2**63): a longer one is not found (the API's JSON 404), never
    # an overflow inside the database driver.
    lookup_value_regex = "[0-9]{1,18}"
    pagination_class = Pages


def _record_id(pk: str, what: str) -> int:
    """The id in the URL (the router passes it as text); one that is no number names no record: 404."""
    try:
        return int(pk)
    except ValueError:
        raise NotVisible(f"{what} {pk} does not exist") from None


def _store(user: Any, store_id: int | None) -> Store | None:
    if store_id is None:
        return None
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotVisible(_("Store %(store)s does not exist.") % {"store": store_id})
    return store


@extend_schema(request=LeadSerializer, responses={201: LeadResultSerializer}, summary="Receive a lead")
@api_view(["POST"])
@parser_classes(JSON_ONLY)
@permission_classes([IsAuthenticated])
def lead_create(request: Request) -> Response:
    """Create or merge the prospect (same phone, same customer) and start the lead-to-cash process."""
    incoming = LeadSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    lead = leads.lead_receive(by=request.user, channel="api", received=dict(request.data), **incoming.validated_data)
    body = {
        "lead_id": lead.pk,
        "customer_id": lead.customer_id,
        "merged": lead.merged,
        "routed_store": lead.routed_store_id,
        "routed_owner": lead.routed_owner.get_username() if lead.routed_owner else None,
        "reasons": shown_all(lead.routing_reasons),  # in the caller's language
    }
    return Response(LeadResultSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, description="Name, whole phone number or its last four digits, whole ID number, plate or VIN."
            )
        ]
    )
)
class CustomerViewSet(
    JSONOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers and prospects in the caller's scope. ``?q=`` searches name, phone, last four digits,
    plate or VIN."""

    serializer_class = CustomerSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        # Kept, so that finalize_response finds what the serializer showed.
        self._shown_context = super().get_serializer_context()
        return self._shown_context

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        shown = getattr(self, "_shown_context", {}).get("shown", [])
        if shown and response.status_code < 400:
            how = "search" if request.query_params.get("q") else "api"
            reads.record_each(request.user, [(pk, reads.shown_fields(sees)) for pk, sees in shown], how)
        return super().finalize_response(request, response, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = _text(self.request, "q")
        # A search comes newest first in the order its index gives (see selectors.customer_search).
        rows = (
            customer_search(self.request.user, query)
            if query
            else customers_visible_to(self.request.user).order_by("-id")
        )
        return rows.select_related("owner").prefetch_related("phones", "tags")

    def perform_create(self, serializer: CustomerSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = customers.customer_create(
            by=self.request.user,
            phones=data.pop("phones"),
            tags=data.pop("tags", []),
            home_store=_store(self.request.user, data.pop("home_store_id", None)),
            fields=data,
        )

    def perform_update(self, serializer: CustomerSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("home_store_id", None)
        serializer.instance = customers.customer_update(
            customer_id=serializer.instance.pk,
            by=self.request.user,
            phones=data.pop("phones", None),
            tags=data.pop("tags", None),
            fields=data,
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "customer",
                {"type": "integer", "minimum": 1, "maximum": BIGGEST},
                description="Only the contacts with this customer.",
            )
        ]
    )
)
class CommunicationViewSet(
    JSONOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Contacts with customers. Recording the first contact with a pool prospect makes the caller its owner;
    if a colleague was first, the answer is 409 with the note's text and nothing is written."""

    serializer_class = CommunicationSerializer

    def get_queryset(self) -> Any:
        rows = communications_visible_to(self.request.user).select_related("author", "lost_claim_to")
        customer = _whole_number(self.request, "customer")
        return rows.filter(customer_id=customer) if customer else rows

    def perform_create(self, serializer: CommunicationSerializer) -> None:
        data = serializer.validated_data
        result = contacts.communication_record(
            customer_id=data["customer_id"],
            by=self.request.user,
            channel=data["channel"],
            content=data["content"],
            outcome=data["outcome"],
            from_pool=data.get("from_pool", False),
        )
        serializer.instance = result.communication


class FollowUpViewSet(
    JSONOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = FollowUpSerializer

    def get_queryset(self) -> Any:
        return follow_ups_visible_to(self.request.user).select_related("owner").order_by("done", "due_at")

    def perform_create(self, serializer: FollowUpSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = contacts.follow_up_plan_create(
            customer_id=data["customer_id"],
            by=self.request.user,
            due_at=data["due_at"],
            method=data["method"],
            purpose=data["purpose"],
        )

    @extend_schema(request=None, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        plan = contacts.follow_up_plan_done(plan_id=_record_id(pk, "follow-up plan"), by=request.user)
        return Response(FollowUpSerializer(plan).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="Only the vehicles of this status (in_stock, reserved, sold)."),
            OpenApiParameter("brand", str, description="Only this brand."),
            OpenApiParameter("vehicle_type", str, description="Only this type (sedan, suv, mpv, ...)."),
        ]
    )
)
class VehicleViewSet(
    JSONOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VehicleSerializer

    def get_queryset(self) -> Any:
        rows = vehicles_visible_to(self.request.user).order_by("-id")
        for param in ("status", "brand", "vehicle_type"):
            if value := _text(self.request, param):
                rows = rows.filter(**{param: value})
        return rows

    def perform_create(self, serializer: VehicleSerializer) -> None:
        data = dict(serializer.validated_data)
        store = _store(self.request.user, data.pop("store_id", None)) or getattr(
            getattr(self.request.user, "staff", None), "store", None
        )
        if store is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"store_id": _("Name the store the vehicle belongs to.")})
        confirmed = data.pop("vin_confirmed", False)
        serializer.instance = vehicles.vehicle_create(
            by=self.request.user, store=store, fields=data, vin_confirmed=confirmed
        )

    def perform_update(self, serializer: VehicleSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("store_id", None)
        confirmed = data.pop("vin_confirmed", False)
        serializer.instance = vehicles.vehicle_update(
            vehicle_id=serializer.instance.pk, by=self.request.user, fields=data, vin_confirmed=confirmed
        )


class OrderViewSet(
    JSONOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Orders. Creating one reserves the vehicle; ``payments`` records money; ``deliver`` needs a paid order."""

    serializer_class = OrderSerializer

    def get_queryset(self) -> Any:
        return orders_visible_to(self.request.user).select_related("salesperson").prefetch_related("payments")

    def perform_create(self, serializer: OrderSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = vehicles.order_create(
            by=self.request.user,
            customer_id=data["customer_id"],
            vehicle_id=data["vehicle_id"],
            price=data["price"],
            payment_plan=data.get("payment_plan", "full"),
            deposit=data.get("deposit", 0),
            delivery_at=data.get("delivery_at"),
            delivery_place=data.get("delivery_place", ""),
        )

    @extend_schema(request=PaymentSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str) -> Response:
        order_id = _record_id(pk, "order")
        visible_or_raise(self.get_queryset(), order_id, "order")  # out of scope: 404 before any validation
        incoming = PaymentSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        vehicles.payment_record(order_id=order_id, by=request.user, **incoming.validated_data)
        return Response(OrderSerializer(self.get_queryset().get(pk=order_id)).data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, pk: str) -> Response:
        order = vehicles.order_deliver(order_id=_record_id(pk, "order"), by=request.user)
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = vehicles.order_cancel(order_id=_record_id(pk, "order"), by=request.user)
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data)
