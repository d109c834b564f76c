"""Choice lists shared by the CRM records."""

from django.db import models


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    UNSPECIFIED = "unspecified", "Unspecified"


class Source(models.TextChoices):
    WEBSITE = "website", "Website"
    SOCIAL_MEDIA = "social_media", "Social media"
    MARKETPLACE = "marketplace", "Marketplace"
    WALK_IN = "walk_in", "Walk-in"
    CAR_SHOW = "car_show", "Car show"
    REFERRAL = "referral", "Referral"


ONLINE_SOURCES = {Source.WEBSITE, Source.SOCIAL_MEDIA, Source.MARKETPLACE}
OFFLINE_SOURCES = {Source.WALK_IN, Source.CAR_SHOW, Source.REFERRAL}


class IntentLevel(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class VehicleType(models.TextChoices):
    SEDAN = "sedan", "Sedan"
    SUV = "suv", "SUV"
    MPV = "mpv", "MPV"
    HATCHBACK = "hatchback", "Hatchback"
    PICKUP = "pickup", "Pickup"
    COUPE = "coupe", "Coupe"
    WAGON = "wagon", "Wagon"
    VAN = "van", "Van"


class Use(models.TextChoices):
    PERSONAL = "personal", "Personal"
    BUSINESS = "business", "Business"
    INVESTMENT = "investment", "Investment"


class Stage(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"


class ContactChannel(models.TextChoices):
    PHONE = "phone", "Phone"
    WECHAT = "wechat", "WeChat"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    VISIT = "visit", "Store visit"


class ContactOutcome(models.TextChoices):
    INTERESTED = "interested", "Interested"
    FOLLOW_UP = "follow_up", "Follow up later"
    NOT_INTERESTED = "not_interested", "Not interested"
    UNREACHABLE = "unreachable", "Unreachable"
    BOOKED = "booked", "Appointment booked"


class AppointmentKind(models.TextChoices):
    VISIT = "visit", "Visit"
    TEST_DRIVE = "test_drive", "Test drive"
    SERVICE = "service", "Service"


class VehicleStatus(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    RESERVED = "reserved", "Reserved"
    SOLD = "sold", "Sold"
    IN_TRANSFER = "in_transfer", "In transfer"


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class PaymentPlan(models.TextChoices):
    FULL = "full", "Full payment"
    LOAN = "loan", "Loan"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Bank card"
    TRANSFER = "transfer", "Bank transfer"
    WECHAT_PAY = "wechat_pay", "WeChat Pay"
    ALIPAY = "alipay", "Alipay"
    LOAN = "loan", "Loan disbursement"


class PolicyKind(models.TextChoices):
    COMPULSORY = "compulsory", "Compulsory (traffic)"
    COMMERCIAL = "commercial", "Commercial"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class ReturnVisitStatus(models.TextChoices):
    DUE = "due", "Due"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class TransferStatus(models.TextChoices):
    DRAFT = "draft", "Draft (proposed by the stock rules)"
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    IN_TRANSIT = "in_transit", "In transit"
    RECEIVED = "received", "Received"
    REJECTED = "rejected", "Rejected"


class AppraisalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    PURCHASED = "purchased", "Purchased"


class AcquisitionStatus(models.TextChoices):
    DRAFT = "draft", "Draft (proposed by the stock rules)"
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    FULFILLED = "fulfilled", "Fulfilled"


class AttachmentKind(models.TextChoices):
    ID_CARD = "id_card", "ID card"
    LICENCE = "licence", "Driving licence"
    CONTRACT = "contract", "Contract"
    PHOTO = "photo", "Photo"
    OTHER = "other", "Other"
