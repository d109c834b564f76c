"""The CRM's records. Import them from here: ``from portal.crm.models import Customer``."""

from .choices import *  # noqa: F403
from .customers import (
    Appointment,
    Communication,
    Customer,
    CustomerPhone,
    FollowUpPlan,
    LeadImport,
    LeadImportStatus,
    LeadIntake,
    Tag,
)
from .org import ApiToken, Role, Staff, StaffRole, Store
from .records import Attachment, ChangeRecord, PersonalDataRead
from .sales import Complaint, MembershipCard, Order, Payment, ReturnVisit
from .search import SearchTerm
from .vehicles import (
    AcquisitionRequest,
    Appraisal,
    InsurancePolicy,
    MaintenancePlan,
    ServiceRecord,
    Transfer,
    Vehicle,
    VehiclePhoto,
)

__all__ = [
    "AcquisitionRequest",
    "ApiToken",
    "Appointment",
    "Appraisal",
    "Attachment",
    "ChangeRecord",
    "Communication",
    "Complaint",
    "Customer",
    "CustomerPhone",
    "FollowUpPlan",
    "InsurancePolicy",
    "LeadImport",
    "LeadImportStatus",
    "LeadIntake",
    "MaintenancePlan",
    "MembershipCard",
    "Order",
    "Payment",
    "PersonalDataRead",
    "ReturnVisit",
    "Role",
    "SearchTerm",
    "ServiceRecord",
    "Staff",
    "StaffRole",
    "Store",
    "Tag",
    "Transfer",
    "Vehicle",
    "VehiclePhoto",
]
