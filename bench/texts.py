"""Realistic Chinese complaint texts for the data generator: topics, enterprises, streets, callers.

Everything is drawn from a seeded ``random.Random`` so a run can be repeated.
"""

from __future__ import annotations

STREETS = ["东华街道", "西城街道", "和平里街道", "安定门街道", "交道口街道", "景山街道", "建国门街道", "朝阳门街道",
           "东直门街道", "北新桥街道", "天坛街道", "体育馆路街道", "龙潭街道", "永定门外街道", "前门街道", "崇文门外街道",
           "东四街道"]
ROADS = ["东华路", "和平里北街", "安定门外大街", "交道口南大街", "景山前街", "建国门内大街", "朝阳门北大街", "东直门南大街",
         "雍和宫大街", "天坛路", "体育馆路", "龙潭路", "永定门外大街", "前门大街", "崇文门外大街", "东四北大街"]
COMMUNITIES = ["北里社区", "南里社区", "东社区", "西社区", "胡同社区", "花园社区", "新村社区", "西里社区"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
TITLES_OF_ADDRESS = ["先生", "女士", "先生", "女士", "老师", "师傅"]
PREFIXES = ["极速", "星光", "环球", "金色", "蓝天", "京华", "银河", "东方", "国风", "畅游", "悦动", "远航", "红星", "和美",
            "明日", "天天", "乐享", "华夏", "长城", "古都", "新时代", "青春", "欢乐", "锦绣", "博雅", "墨香", "知行", "云端"]

# kind -> (section code, topic path, enterprise suffixes, (title, content) templates)
TOPICS = {
    "网吧": ("culture_market", "文化->文化市场->网吧", ["网咖", "网吧", "电竞馆"], [
        ("网吧接纳未成年人", "来电人反映{street}{address}的{ent}接纳未成年人上网，{detail}，希望相关部门尽快核查处理。"),
        ("网吧不核验身份证", "来电人称{ent}（{address}）上网不登记身份证，{detail}，要求查处。"),
        ("网吧噪音扰民", "来电人反映{ent}夜间经营噪音很大，{detail}，影响周边居民休息。"),
    ]),
    "KTV": ("culture_market", "文化->文化市场->歌舞娱乐场所", ["KTV", "量贩KTV", "歌城"], [
        ("KTV噪音扰民", "来电人反映{street}{address}的{ent}每晚营业至凌晨，音响声音过大，{detail}，请相关部门协调解决。"),
        ("KTV消费纠纷", "来电人称在{ent}消费时被收取高额服务费，{detail}，要求退还多收费用。"),
        ("KTV接纳未成年人", "来电人反映{ent}有未成年人进入包厢消费，{detail}，希望加强监管。"),
    ]),
    "剧本杀": ("culture_market", "文化->文化市场->剧本娱乐", ["剧本杀", "推理馆", "沉浸馆"], [
        ("剧本娱乐场所内容不健康", "来电人反映{ent}（{address}）的剧本含有恐怖暴力内容，{detail}，要求核查。"),
        ("剧本杀预付卡退费难", "来电人在{ent}办理会员卡后门店停业，{detail}，要求退还余额。"),
    ]),
    "演出": ("culture_market", "文化->文化市场->营业性演出", ["剧场", "演艺中心", "文化传媒公司"], [
        ("演出临时取消未退票", "来电人购买了{ent}组织的演出门票，演出临时取消，{detail}，至今未退票款。"),
        ("演出票价虚高", "来电人反映{ent}演出门票通过黄牛加价销售，{detail}，希望规范票务。"),
    ]),
    "旅行社": ("tourism_market", "旅游->旅游市场->旅行社", ["旅行社", "国际旅行社", "旅游公司"], [
        ("旅行社强制购物", "来电人参加{ent}组织的旅游团，导游安排强制购物，{detail}，要求旅行社退还相关费用。"),
        ("旅行社擅自变更行程", "来电人反映{ent}未经同意变更行程、减少景点，{detail}，要求赔偿。"),
        ("旅行社拒不退团费", "来电人因故取消出行，{ent}拒绝按合同退还团费，{detail}，请求调解。"),
    ]),
    "导游": ("tourism_market", "旅游->旅游市场->导游", ["旅行社", "旅游服务公司"], [
        ("导游服务态度差", "来电人反映{ent}委派的导游服务态度恶劣，{detail}，要求处理。"),
        ("导游索要小费", "来电人称{ent}的导游在行程中索要小费，{detail}，希望查处。"),
    ]),
    "景区": ("tourism_market", "旅游->旅游市场->A级景区", ["景区", "公园", "文化园"], [
        ("景区排队时间过长", "来电人反映{ent}入园排队超过两小时，{detail}，建议增加预约时段。"),
        ("景区收费不合理", "来电人称{ent}园中园重复收费，{detail}，要求核实收费依据。"),
    ]),
    "在线旅游": ("tourism_market", "旅游->旅游市场->在线旅游", ["旅行网", "在线旅游平台"], [
        ("在线平台酒店订单无法入住", "来电人通过{ent}预订酒店，到店后被告知无房，{detail}，要求平台赔付。"),
        ("在线旅游退订收取高额手续费", "来电人在{ent}退订行程被扣除高额手续费，{detail}，认为不合理。"),
    ]),
    "培训": ("public_service", "文化->公共服务->艺术培训", ["艺术培训学校", "舞蹈培训中心", "美术工作室"], [
        ("艺术培训机构预付费退费难", "来电人在{ent}为孩子报名艺术培训，机构停课后拒绝退费，{detail}，要求退还剩余课时费用。"),
        ("艺术培训机构虚假宣传", "来电人反映{ent}宣传的师资与实际不符，{detail}，要求处理。"),
    ]),
    "图书馆": ("public_service", "文化->公共服务->公共图书馆", ["图书馆", "文化馆", "文化中心"], [
        ("图书馆开放时间建议", "来电人建议{ent}延长周末开放时间，{detail}。"),
        ("文化活动报名咨询", "来电人咨询{ent}近期群众文化活动的报名方式，{detail}。"),
    ]),
    "文物": ("heritage", "文化->文物->文物保护单位", ["博物馆", "纪念馆", "故居"], [
        ("文物保护单位周边违建", "来电人反映{ent}附近有违规搭建，{detail}，担心影响文物安全。"),
        ("博物馆预约难", "来电人称{ent}线上预约名额一放出即约满，{detail}，建议增加名额。"),
    ]),
}
TOPIC_WEIGHTS = {"网吧": 12, "KTV": 14, "剧本杀": 6, "演出": 7, "旅行社": 18, "导游": 6, "景区": 10, "在线旅游": 9,
                 "培训": 10, "图书馆": 4, "文物": 4}
DETAILS = ["已多次反映未见改善", "周边居民意见很大", "涉及金额约{amount}元", "商家态度敷衍", "已保留票据和聊天记录",
           "来电人情绪较为激动", "此前拨打过商家电话无人接听", "希望尽快给予答复", "涉及多名消费者", "要求相关部门现场检查",
           "来电人表示如不解决将继续反映", "希望相关部门依法处理"]
TYPE_WEIGHTS = {"投诉": 55, "举报": 12, "咨询": 14, "求助": 8, "建议": 9, "表扬": 2}
REPLY = ("{day}，承办人{handler}通过电话联系来电人，了解诉求。经现场核查，{ent}存在来电人反映的问题，已依据相关规定责令其"
         "限期整改，并督促其与来电人协商处理。来电人表示认可处理结果。")


def person(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(TITLES_OF_ADDRESS)


def phone(rng) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def enterprises(rng, n: int) -> list[tuple[str, str, str, str]]:
    """n distinct (name, kind, street, address) enterprises spread over the topics."""
    out, seen = [], set()
    kinds = list(TOPICS)
    while len(out) < n:
        kind = rng.choice(kinds)
        name = rng.choice(PREFIXES) + rng.choice(TOPICS[kind][2])
        if name in seen:
            name = f"{name}（{rng.choice(ROADS)}店）"
            if name in seen:
                continue
        seen.add(name)
        street = rng.choice(STREETS)
        out.append((name, kind, street, f"{rng.choice(ROADS)}{rng.randint(1, 300)}号"))
    return out


def complaint(rng, ent: tuple[str, str, str, str]) -> tuple[str, str]:
    name, kind, street, address = ent
    title, content = rng.choice(TOPICS[kind][3])
    detail = rng.choice(DETAILS).format(amount=rng.choice([200, 480, 1200, 3600, 8800]))
    return title, content.format(street=street, address=address, ent=name, detail=detail)
