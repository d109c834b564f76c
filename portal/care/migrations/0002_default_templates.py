"""The templates LotFlow ships, in Chinese and English; admins edit them in the portal
(/care/templates/). Existing rows are left as they are."""

from django.db import migrations

DEFAULTS = {
    "survey_invitation": {
        "zh-hans": (
            "{{ store_name }}邀请您参与满意度调查",
            "{{ customer_name }}您好，感谢您选择{{ store_name }}。请花一分钟告诉我们您的感受：{{ survey_link }}",
        ),
        "en": (
            "{{ store_name }} would like your opinion",
            "Dear {{ customer_name }}, thank you for choosing {{ store_name }}. "
            "Please tell us how we did (one minute): {{ survey_link }}",
        ),
    },
    "test_drive_confirmation": {
        "zh-hans": (
            "试驾预约确认",
            "{{ customer_name }}您好，您已预约{{ date }} {{ time }}在{{ store_name }}试驾{{ car }}，期待您的光临。",
        ),
        "en": (
            "Your test drive is booked",
            "Dear {{ customer_name }}, your test drive of {{ car }} at {{ store_name }} is booked for "
            "{{ date }} at {{ time }}. We look forward to seeing you.",
        ),
    },
    "service_booking_confirmation": {
        "zh-hans": (
            "保养预约确认",
            "{{ customer_name }}您好，您的爱车{{ car }}已预约{{ date }} {{ time }}在{{ store_name }}进行保养维修。",
        ),
        "en": (
            "Your service visit is booked",
            "Dear {{ customer_name }}, your service visit for {{ car }} at {{ store_name }} is booked for "
            "{{ date }} at {{ time }}.",
        ),
    },
    "order_progress": {
        "zh-hans": (
            "订单进度通知",
            "{{ customer_name }}您好，您在{{ store_name }}的订单 #{{ order_number }}：{{ milestone }}。",
        ),
        "en": (
            "News about your order",
            "Dear {{ customer_name }}, order #{{ order_number }} at {{ store_name }}: {{ milestone }}.",
        ),
    },
    "birthday_greeting": {
        "zh-hans": ("生日快乐", "{{ customer_name }}您好，{{ store_name }}全体员工祝您生日快乐！"),
        "en": ("Happy birthday", "Dear {{ customer_name }}, everyone at {{ store_name }} wishes you a happy birthday!"),
    },
    "maintenance_reminder": {
        "zh-hans": (
            "保养提醒",
            "{{ customer_name }}您好，您的爱车{{ car }}将于{{ date }}到期保养，欢迎预约{{ store_name }}。",
        ),
        "en": (
            "Your car's maintenance is due",
            "Dear {{ customer_name }}, maintenance of {{ car }} is due on {{ date }}. "
            "Book a visit at {{ store_name }}.",
        ),
    },
    "insurance_renewal": {
        "zh-hans": (
            "续保提醒",
            "{{ customer_name }}您好，您的爱车{{ car }}的保险将于{{ date }}到期，{{ store_name }}可为您办理续保。",
        ),
        "en": (
            "Your car insurance expires soon",
            "Dear {{ customer_name }}, the insurance of {{ car }} expires on {{ date }}. "
            "{{ store_name }} can renew it for you.",
        ),
    },
}


def ship(apps, schema_editor):
    MessageTemplate = apps.get_model("care", "MessageTemplate")
    for key, languages in DEFAULTS.items():
        for language, (subject, body) in languages.items():
            MessageTemplate.objects.get_or_create(
                key=key, language=language, defaults={"subject": subject, "body": body}
            )


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
