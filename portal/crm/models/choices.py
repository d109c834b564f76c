"""Choice lists shared by the CRM records."""

from django.db import models
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):
    MALE = "male", pgettext_lazy("gender", "Male")
    FEMALE = "female", pgettext_lazy("gender", "Female")
    UNSPECIFIED = "unspecified", pgettext_lazy("gender", "Unspecified")


class Source(models.TextChoices):
    WEBSITE = "website", pgettext_lazy("lead source", "Website")
    SOCIAL_MEDIA = "social_media", pgettext_lazy("lead source", "Social media")
    MARKETPLACE = "marketplace", pgettext_lazy("lead source", "Marketplace")
    WALK_IN = "walk_in", pgettext_lazy("lead source", "Walk-in")
    CAR_SHOW = "car_show", pgettext_lazy("lead source", "Car show")
    REFERRAL = "referral", pgettext_lazy("lead source", "Referral")


ONLINE_SOURCES = {Source.WEBSITE, Source.SOCIAL_MEDIA, Source.MARKETPLACE}
OFFLINE_SOURCES = {Source.WALK_IN, Source.CAR_SHOW, Source.REFERRAL}


class IntentLevel(models.TextChoices):
    HIGH = "high", pgettext_lazy("intent level", "High")
    MEDIUM = "medium", pgettext_lazy("intent level", "Medium")
    LOW = "low", pgettext_lazy("intent level", "Low")


class VehicleType(models.TextChoices):
    SEDAN = "sedan", pgettext_lazy("vehicle type", "Sedan")
    SUV = "suv", pgettext_lazy("vehicle type", "SUV")
    MPV = "mpv", pgettext_lazy("vehicle type", "MPV")
    HATCHBACK = "hatchback", pgettext_lazy("vehicle type", "Hatchback")
    PICKUP = "pickup", pgettext_lazy("vehicle type", "Pickup")
    COUPE = "coupe", pgettext_lazy("vehicle type", "Coupe")
    WAGON = "wagon", pgettext_lazy("vehicle type", "Wagon")
    VAN = "van", pgettext_lazy("vehicle type", "Van")


class Use(models.TextChoices):
    PERSONAL = "personal", pgettext_lazy("vehicle use", "Personal")
    BUSINESS = "business", pgettext_lazy("vehicle use", "Business")
    INVESTMENT = "investment", pgettext_lazy("vehicle use", "Investment")


class Stage(models.TextChoices):
    PROSPECT = "prospect", pgettext_lazy("customer stage", "Prospect")
    CUSTOMER = "customer", pgettext_lazy("customer stage", "Customer")


class ContactChannel(models.TextChoices):
    PHONE = "phone", pgettext_lazy("contact channel", "Phone")
    WECHAT = "wechat", pgettext_lazy("contact channel", "WeChat")
    SMS = "sms", pgettext_lazy("contact channel", "SMS")
    EMAIL = "email", pgettext_lazy("contact channel", "Email")
    VISIT = "visit", pgettext_lazy("contact channel", "Store visit")


class ContactOutcome(models.TextChoices):
    INTERESTED = "interested", pgettext_lazy("contact outcome", "Interested")
    FOLLOW_UP = "follow_up", pgettext_lazy("contact outcome", "Follow up later")
    NOT_INTERESTED = "not_interested", pgettext_lazy("contact outcome", "Not interested")
    UNREACHABLE = "unreachable", pgettext_lazy("contact outcome", "Unreachable")
    BOOKED = "booked", pgettext_lazy("contact outcome", "Appointment booked")


class AppointmentKind(models.TextChoices):
    VISIT = "visit", pgettext_lazy("appointment kind", "Visit")
    TEST_DRIVE = "test_drive", pgettext_lazy("appointment kind", "Test drive")
    SERVICE = "service", pgettext_lazy("appointment kind", "Service")


class VehicleStatus(models.TextChoices):
    IN_STOCK = "in_stock", pgettext_lazy("vehicle status", "In stock")
    RESERVED = "reserved", pgettext_lazy("vehicle status", "Reserved")
    SOLD = "sold", pgettext_lazy("vehicle status", "Sold")
    IN_TRANSFER = "in_transfer", pgettext_lazy("vehicle status", "In transfer")


class OrderStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("order status", "Open")
    PAID = "paid", pgettext_lazy("order status", "Paid")
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


class PaymentPlan(models.TextChoices):
    FULL = "full", pgettext_lazy("payment plan", "Full payment")
    LOAN = "loan", pgettext_lazy("payment plan", "Loan")


class PaymentMethod(models.TextChoices):
    CASH = "cash", pgettext_lazy("payment method", "Cash")
    CARD = "card", pgettext_lazy("payment method", "Bank card")
    TRANSFER = "transfer", pgettext_lazy("payment method", "Bank transfer")
    WECHAT_PAY = "wechat_pay", pgettext_lazy("payment method", "WeChat Pay")
    ALIPAY = "alipay", pgettext_lazy("payment method", "Alipay")
    LOAN = "loan", pgettext_lazy("payment method", "Loan disbursement")


class PolicyKind(models.TextChoices):
    COMPULSORY = "compulsory", pgettext_lazy("insurance policy kind", "Compulsory (traffic)")
    COMMERCIAL = "commercial", pgettext_lazy("insurance policy kind", "Commercial")


class Severity(models.TextChoices):
    LOW = "low", pgettext_lazy("complaint severity", "Low")
    MEDIUM = "medium", pgettext_lazy("complaint severity", "Medium")
    HIGH = "high", pgettext_lazy("complaint severity", "High")
    CRITICAL = "critical", pgettext_lazy("complaint severity", "Critical")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("complaint status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("complaint status", "Resolved")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")


class ComplaintCause(models.TextChoices):
    """What caused a complaint, as its handler found when resolving it (the category is what the customer
    complained about)."""

    CAR_CONDITION = "car_condition", pgettext_lazy("complaint cause", "Car condition not as described")
    PREPARATION = "preparation", pgettext_lazy("complaint cause", "Inspection or preparation missed")
    PROMISE = "promise", pgettext_lazy("complaint cause", "Promise not kept")
    DELAY = "delay", pgettext_lazy("complaint cause", "Delay by the store")
    PAPERWORK = "paperwork", pgettext_lazy("complaint cause", "Paperwork or procedure error")
    STAFF_CONDUCT = "staff_conduct", pgettext_lazy("complaint cause", "Staff conduct")
    PRICING = "pricing", pgettext_lazy("complaint cause", "Price or fees")
    THIRD_PARTY = "third_party", pgettext_lazy("complaint cause", "Third party (bank, insurer, supplier)")
    NO_FAULT = "no_fault", pgettext_lazy("complaint cause", "No fault of the store")
    OTHER = "other", pgettext_lazy("complaint cause", "Other")


class ReturnVisitStatus(models.TextChoices):
    DUE = "due", pgettext_lazy("return visit status", "Due")
    DONE = "done", pgettext_lazy("return visit status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("return visit status", "Cancelled")


class TransferStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("transfer status", "Draft (proposed by the stock rules)")
    REQUESTED = "requested", pgettext_lazy("transfer status", "Requested")
    APPROVED = "approved", pgettext_lazy("transfer status", "Approved")
    IN_TRANSIT = "in_transit", pgettext_lazy("transfer status", "In transit")
    RECEIVED = "received", pgettext_lazy("transfer status", "Received")
    REJECTED = "rejected", pgettext_lazy("transfer status", "Rejected")


class AppraisalStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("appraisal status", "Pending")
    OFFERED = "offered", pgettext_lazy("appraisal status", "Offered")
    ACCEPTED = "accepted", pgettext_lazy("appraisal status", "Accepted")
    DECLINED = "declined", pgettext_lazy("appraisal status", "Declined")
    PURCHASED = "purchased", pgettext_lazy("appraisal status", "Purchased")


class AcquisitionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("acquisition status", "Draft (proposed by the stock rules)")
    REQUESTED = "requested", pgettext_lazy("acquisition status", "Requested")
    APPROVED = "approved", pgettext_lazy("acquisition status", "Approved")
    REJECTED = "rejected", pgettext_lazy("acquisition status", "Rejected")
    FULFILLED = "fulfilled", pgettext_lazy("acquisition status", "Fulfilled")


class AttachmentKind(models.TextChoices):
    ID_CARD = "id_card", pgettext_lazy("attachment kind", "ID card")
    LICENCE = "licence", pgettext_lazy("attachment kind", "Driving licence")
    CONTRACT = "contract", pgettext_lazy("attachment kind", "Contract")
    PHOTO = "photo", pgettext_lazy("attachment kind", "Photo")
    OTHER = "other", pgettext_lazy("attachment kind", "Other")
