"""The questionnaires LotFlow ships (after a delivery, a service and a closed complaint), written by the data
migration 0002; admins edit them (a new version once answered) or switch them off."""

from typing import Any

YES_NO = [{"zh": "是", "en": "Yes"}, {"zh": "否", "en": "No"}]
ANYTHING_ELSE = ("还有什么想告诉我们的吗？", "Is there anything else you would like to tell us?")

# key, reason, (title zh, en), (intro zh, en), [(topic, kind, required, zh, en, choices)]
DEFAULTS: list[dict[str, Any]] = [
    {
        "key": "delivery",
        "reason": "delivery",
        "title": ("交车满意度调查", "Your new car: how did we do?"),
        "intro": (
            "感谢您在本店购车！请花一分钟告诉我们您的感受。",
            "Thank you for buying your car with us! Please take a minute to tell us how it went.",
        ),
        "questions": [
            (
                "vehicle",
                "scale5",
                True,
                "您对所购车辆的车况满意吗？",
                "How satisfied are you with the car's condition?",
                [],
            ),
            (
                "sales",
                "scale5",
                True,
                "您对销售顾问的服务满意吗？",
                "How satisfied are you with your sales consultant?",
                [],
            ),
            ("sales", "scale5", True, "您对交车过程满意吗？", "How satisfied are you with the handover?", []),
            (
                "sales",
                "single",
                True,
                "交车时是否为您讲解了车辆的使用与保养？",
                "Were the car's use and care explained at the handover?",
                YES_NO,
            ),
            (
                "sales",
                "scale10",
                False,
                "您有多大可能向亲友推荐我们？",
                "How likely are you to recommend us to friends and family?",
                [],
            ),
            ("vehicle", "text", False, *ANYTHING_ELSE, []),
        ],
    },
    {
        "key": "service",
        "reason": "service",
        "title": ("售后服务满意度调查", "Your service visit: how did we do?"),
        "intro": ("感谢您来店保养维修！", "Thank you for bringing your car in for service!"),
        "questions": [
            (
                "aftersales",
                "scale5",
                True,
                "您对本次保养/维修的质量满意吗？",
                "How satisfied are you with the work done?",
                [],
            ),
            (
                "aftersales",
                "scale5",
                True,
                "您对服务顾问的接待满意吗？",
                "How satisfied are you with your service advisor?",
                [],
            ),
            (
                "vehicle",
                "scale5",
                True,
                "取车时车辆状况令您满意吗？",
                "How satisfied were you with the car when you collected it?",
                [],
            ),
            ("aftersales", "single", True, "车辆是否按约定时间交还？", "Was the car ready at the time agreed?", YES_NO),
            (
                "aftersales",
                "multiple",
                False,
                "哪些方面我们可以做得更好？",
                "What could we do better?",
                [
                    {"zh": "等待时间", "en": "Waiting time"},
                    {"zh": "价格透明", "en": "Clear prices"},
                    {"zh": "沟通", "en": "Keeping you informed"},
                    {"zh": "车辆清洁", "en": "Cleanliness of the car"},
                ],
            ),
            ("aftersales", "text", False, *ANYTHING_ELSE, []),
        ],
    },
    {
        "key": "complaint",
        "reason": "complaint",
        "title": ("投诉处理满意度调查", "Your complaint: how did we do?"),
        "intro": (
            "您的投诉已处理完毕，请告诉我们您对处理过程的看法。",
            "Your complaint has been closed; please tell us what you think of how we handled it.",
        ),
        "questions": [
            ("aftersales", "scale5", True, "您对投诉的处理结果满意吗？", "How satisfied are you with the outcome?", []),
            (
                "aftersales",
                "scale5",
                True,
                "您对处理速度满意吗？",
                "How satisfied are you with how quickly we acted?",
                [],
            ),
            (
                "aftersales",
                "single",
                True,
                "您的问题解决了吗？",
                "Is your problem solved?",
                [
                    {"zh": "已解决", "en": "Solved"},
                    {"zh": "部分解决", "en": "Partly"},
                    {"zh": "未解决", "en": "Not solved"},
                ],
            ),
            ("aftersales", "text", False, *ANYTHING_ELSE, []),
        ],
    },
]


def install(questionnaire_model: Any, question_model: Any) -> None:
    """Write the shipped questionnaires (version 1 of each key) unless that key already exists."""
    for spec in DEFAULTS:
        if questionnaire_model.objects.filter(key=spec["key"]).exists():
            continue
        q = questionnaire_model.objects.create(
            key=spec["key"],
            version=1,
            reason=spec["reason"],
            title_zh=spec["title"][0],
            title_en=spec["title"][1],
            intro_zh=spec["intro"][0],
            intro_en=spec["intro"][1],
            active=True,
        )
        question_model.objects.bulk_create(
            question_model(
                questionnaire=q,
                position=n,
                topic=topic,
                kind=kind,
                required=required,
                text_zh=zh,
                text_en=en,
                choices=choices,
            )
            for n, (topic, kind, required, zh, en, choices) in enumerate(spec["questions"], start=1)
        )
