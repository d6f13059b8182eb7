"""Reference data every installation starts with: the five priorities, specialties, skills and a menu."""

from __future__ import annotations

from app.extensions import db
from app.menu.models import MenuItem, MenuItemNeed, PracticePriority, Skill, Specialty

PRIORITIES = [
    ("theory", "学习实践科学理论", "Study and practise scientific theory", "book"),
    ("policy", "宣传宣讲党的政策", "Explain and publicise policy", "megaphone"),
    ("values", "培育践行主流价值", "Cultivate and practise shared values", "heart"),
    ("culture", "丰富活跃文化生活", "Enrich cultural life", "music"),
    ("customs", "持续推动移风易俗", "Reform outdated customs", "leaf"),
]

# The county's 8 specialty teams (理论政策宣讲、文明践行、助学支教、卫生环保 and others).
SPECIALTIES = [
    ("lecture", "理论政策宣讲", "Theory and policy lectures"),
    ("civility", "文明践行", "Civility practice"),
    ("tutoring", "助学支教", "Tutoring and teaching"),
    ("health-env", "卫生环保", "Health and environment"),
    ("legal", "法律援助", "Legal aid"),
    ("clinic", "义诊", "Free clinics"),
    ("farming", "农技推广", "Farming technique"),
    ("arts", "文化文艺", "Culture and arts"),
]

SKILLS = [
    ("policy-lecture", "政策宣讲", "Policy lecture", "lecture"),
    ("theory-lecture", "理论宣讲", "Theory lecture", "lecture"),
    ("party-history", "党史讲解", "Party history", "lecture"),
    ("household-visit", "入户走访", "Household visits", "civility"),
    ("elder-care", "助老服务", "Elder care", "civility"),
    ("mediation", "矛盾调解", "Mediation", "civility"),
    ("tutoring", "课业辅导", "Homework tutoring", "tutoring"),
    ("reading", "阅读推广", "Reading promotion", "tutoring"),
    ("digital-skills", "智能手机教学", "Smartphone teaching", "tutoring"),
    ("waste-sorting", "垃圾分类", "Waste sorting", "health-env"),
    ("cleanup", "环境整治", "Environmental clean-up", "health-env"),
    ("tree-planting", "植绿护绿", "Tree planting", "health-env"),
    ("legal-aid", "法律咨询", "Legal advice", "legal"),
    ("medical", "义诊医疗", "Medical check-ups", "clinic"),
    ("first-aid", "急救培训", "First aid", "clinic"),
    ("farming", "种植技术", "Crop technique", "farming"),
    ("livestock", "养殖技术", "Livestock technique", "farming"),
    ("performance", "文艺演出", "Performance", "arts"),
    ("calligraphy", "书法", "Calligraphy", "arts"),
    ("fire-safety", "消防安全", "Fire safety", "civility"),
]

# What each menu item brings, shown on the menu tiles: (Chinese, English).
DESCRIPTIONS = {
    "MI-01": (
        "宣讲员到村里，用身边事讲清新思想。",
        "A speaker comes to the village and explains new thinking through everyday examples.",
    ),
    "MI-02": (
        "听老党员讲党史，一起交流心得。",
        "Veteran members tell Party history; neighbours share what it means to them.",
    ),
    "MI-03": ("每周一次读书会，共读理论好书。", "A weekly circle that reads and discusses a book on theory together."),
    "MI-04": ("把红色故事讲给孩子们听。", "Stories of the revolution told to pupils at school."),
    "MI-05": ("手把手教会使用学习强国。", "One-to-one help with the Xuexi Qiangguo study app."),
    "MI-06": (
        "上门讲清低保、补贴等惠民政策。",
        "At your door: what benefits, allowances and subsidies you are entitled to.",
    ),
    "MI-07": ("讲解乡村振兴的新政策和机会。", "The new rural revitalisation policies and the chances they open."),
    "MI-08": ("律师志愿者免费解答法律问题。", "Volunteer lawyers answer legal questions free of charge."),
    "MI-09": ("解读医保、养老保险怎么交、怎么报。", "How health and pension insurance are paid for and claimed."),
    "MI-10": ("调解邻里、家庭矛盾纠纷。", "Mediation of disputes between neighbours or within families."),
    "MI-11": ("讲身边好人好事，传承好家风。", "Talks on good deeds nearby and on passing good family ways on."),
    "MI-12": ("评选宣传身边好人，树立榜样。", "Finding and honouring good neighbours as role models."),
    "MI-13": ("志愿者辅导孩子作业、补习功课。", "Volunteers help children with homework and catching up."),
    "MI-14": ("陪伴留守儿童，开展亲情关爱活动。", "Company and activities for children whose parents work far away."),
    "MI-15": ("上门陪伴老人，帮忙打扫、代办事务。", "Home visits to older people: company, cleaning and errands."),
    "MI-16": (
        "医生进村量血压、看病、讲健康知识。",
        "Doctors in the village: blood pressure, check-ups and health advice.",
    ),
    "MI-17": ("学习心肺复苏、止血包扎等急救技能。", "Learn CPR, stopping bleeding and other first aid."),
    "MI-18": ("文艺队进村演出，丰富文化生活。", "A performing troupe brings a show to the village."),
    "MI-19": ("书法志愿者现场写春联、送福字。", "Calligraphers write spring couplets and fu characters for you."),
    "MI-20": ("老师教广场舞，强身健体。", "A teacher leads square dancing for fitness and fun."),
    "MI-21": ("在农家书屋组织读书、讲故事活动。", "Reading and storytelling at the village library."),
    "MI-22": (
        "教老人用智能手机：视频通话、扫码、缴费。",
        "Helping seniors use smartphones: video calls, QR codes, paying bills.",
    ),
    "MI-23": ("农技员到田间地头指导种植。", "An agronomist advises on crops right in your field."),
    "MI-24": ("指导科学养殖、防治疫病。", "Advice on raising livestock and preventing disease."),
    "MI-25": ("宣讲移风易俗，倡导文明新风。", "Talks on letting go of costly customs and taking up civil ones."),
    "MI-26": ("倡导红白事简办，减轻负担。", "Encouraging simpler weddings and funerals to ease the burden."),
    "MI-27": ("志愿者入户讲解垃圾分类。", "Volunteers explain waste sorting household by household."),
    "MI-28": ("清理楼道杂物，消除安全隐患。", "Clearing stairwell clutter that blocks escape routes."),
    "MI-29": ("一起植树种草，美化村庄。", "Planting trees and grass together to green the village."),
    "MI-30": ("上门检查用火用电，讲解消防知识。", "Home checks of stoves and wiring, with fire safety advice."),
}

# (code, title, title_en, priority, mode, minutes, default priority, orderable_by, needs)
MENU = [
    (
        "MI-01",
        "党的创新理论宣讲",
        "Lecture on the Party's new theory",
        "theory",
        "lecture",
        90,
        3,
        "resident",
        [("theory-lecture", 1)],
    ),
    (
        "MI-02",
        "党史学习教育分享会",
        "Party history study session",
        "theory",
        "lecture",
        120,
        3,
        "resident",
        [("party-history", 1), ("theory-lecture", 1)],
    ),
    (
        "MI-03",
        "理论读书会",
        "Theory reading circle",
        "theory",
        "lecture",
        90,
        2,
        "resident",
        [("theory-lecture", 1), ("reading", 1)],
    ),
    ("MI-04", "红色故事进校园", "Red stories for schools", "theory", "model", 60, 2, "staff", [("party-history", 1)]),
    ("MI-05", "学习强国使用辅导", "Study app coaching", "theory", "help", 60, 2, "resident", [("digital-skills", 1)]),
    (
        "MI-06",
        "惠民政策进万家",
        "Benefit policies explained at home",
        "policy",
        "lecture",
        90,
        4,
        "resident",
        [("policy-lecture", 1), ("household-visit", 1)],
    ),
    (
        "MI-07",
        "乡村振兴政策宣讲",
        "Rural revitalisation policy talk",
        "policy",
        "lecture",
        120,
        3,
        "resident",
        [("policy-lecture", 2)],
    ),
    ("MI-08", "法律援助手牵手", "Legal aid hand in hand", "policy", "help", 90, 4, "resident", [("legal-aid", 1)]),
    (
        "MI-09",
        "医保社保政策解读",
        "Health and pension insurance explained",
        "policy",
        "lecture",
        90,
        3,
        "resident",
        [("policy-lecture", 1)],
    ),
    (
        "MI-10",
        "矛盾纠纷调解",
        "Dispute mediation",
        "policy",
        "help",
        120,
        5,
        "staff",
        [("mediation", 1), ("legal-aid", 1)],
    ),
    ("MI-11", "道德讲堂", "Morality lecture hall", "values", "lecture", 90, 3, "resident", [("theory-lecture", 1)]),
    (
        "MI-12",
        "好人好事评选宣传",
        "Good deeds role models",
        "values",
        "model",
        120,
        2,
        "staff",
        [("household-visit", 1), ("performance", 1)],
    ),
    ("MI-13", "助学支教", "Tutoring for pupils", "values", "help", 120, 3, "resident", [("tutoring", 1)]),
    (
        "MI-14",
        "关爱留守儿童",
        "Care for left-behind children",
        "values",
        "help",
        180,
        4,
        "resident",
        [("tutoring", 1), ("reading", 1)],
    ),
    (
        "MI-15",
        "敬老助老上门服务",
        "Home help for the elderly",
        "values",
        "help",
        120,
        5,
        "resident",
        [("elder-care", 2)],
    ),
    (
        "MI-16",
        "义诊进村",
        "Free clinic in the village",
        "values",
        "help",
        180,
        5,
        "resident",
        [("medical", 2), ("first-aid", 1)],
    ),
    ("MI-17", "急救知识培训", "First aid training", "values", "action", 120, 3, "resident", [("first-aid", 1)]),
    (
        "MI-18",
        "文艺演出进村",
        "Performance in the village",
        "culture",
        "culture",
        150,
        3,
        "resident",
        [("performance", 3)],
    ),
    (
        "MI-19",
        "书法写春联",
        "Spring couplets calligraphy",
        "culture",
        "culture",
        120,
        2,
        "resident",
        [("calligraphy", 2)],
    ),
    ("MI-20", "广场舞教学", "Square dance lessons", "culture", "culture", 90, 2, "resident", [("performance", 1)]),
    ("MI-21", "农家书屋阅读活动", "Village library reading", "culture", "culture", 90, 2, "resident", [("reading", 1)]),
    (
        "MI-22",
        "智能手机培训",
        "Smartphone training for seniors",
        "culture",
        "help",
        90,
        3,
        "resident",
        [("digital-skills", 2)],
    ),
    (
        "MI-23",
        "种植技术田间指导",
        "Crop technique in the field",
        "culture",
        "help",
        180,
        4,
        "resident",
        [("farming", 1)],
    ),
    ("MI-24", "养殖技术指导", "Livestock technique", "culture", "help", 150, 3, "resident", [("livestock", 1)]),
    (
        "MI-25",
        "移风易俗宣讲",
        "Talk on reforming customs",
        "customs",
        "lecture",
        90,
        3,
        "resident",
        [("policy-lecture", 1)],
    ),
    (
        "MI-26",
        "红白事简办倡议",
        "Simpler weddings and funerals",
        "customs",
        "action",
        90,
        3,
        "staff",
        [("household-visit", 2)],
    ),
    (
        "MI-27",
        "垃圾分类入户宣传",
        "Waste sorting door to door",
        "customs",
        "action",
        120,
        3,
        "resident",
        [("waste-sorting", 1), ("household-visit", 1)],
    ),
    (
        "MI-28",
        "楼道杂物清理",
        "Stairwell clutter clean-up",
        "customs",
        "action",
        120,
        4,
        "resident",
        [("cleanup", 2), ("fire-safety", 1)],
    ),
    (
        "MI-29",
        "爱绿护绿我先行",
        "Green the land together",
        "customs",
        "action",
        180,
        2,
        "resident",
        [("tree-planting", 3)],
    ),
    ("MI-30", "消防安全进家庭", "Fire safety at home", "customs", "action", 90, 4, "resident", [("fire-safety", 1)]),
]


def seed_reference_data() -> None:
    """Insert priorities, specialties, skills and the menu if they are missing (idempotent)."""
    priorities = {p.code: p for p in db.session.scalars(db.select(PracticePriority))}
    for order, (code, zh, en, icon) in enumerate(PRIORITIES):
        if code not in priorities:
            priorities[code] = PracticePriority(code=code, name_zh=zh, name_en=en, sort_order=order, icon=icon)
            db.session.add(priorities[code])
    specialties = {s.code: s for s in db.session.scalars(db.select(Specialty))}
    for code, zh, en in SPECIALTIES:
        if code not in specialties:
            specialties[code] = Specialty(code=code, name_zh=zh, name_en=en)
            db.session.add(specialties[code])
    skills = {s.code: s for s in db.session.scalars(db.select(Skill))}
    for code, zh, en, specialty in SKILLS:
        if code not in skills:
            skills[code] = Skill(code=code, name_zh=zh, name_en=en, specialty=specialties[specialty])
            db.session.add(skills[code])
    existing = set(db.session.scalars(db.select(MenuItem.code)))
    for code, title, title_en, priority, mode, minutes, default_priority, orderable_by, needs in MENU:
        if code in existing:
            continue
        item = MenuItem(
            code=code,
            title=title,
            title_en=title_en,
            description=DESCRIPTIONS.get(code, ("", ""))[0],
            description_en=DESCRIPTIONS.get(code, ("", ""))[1],
            priority=priorities[priority],
            mode=mode,
            duration_minutes=minutes,
            default_priority=default_priority,
            orderable_by=orderable_by,
        )
        item.needs = [MenuItemNeed(skill=skills[s], count=c) for s, c in needs]
        db.session.add(item)
    db.session.flush()
