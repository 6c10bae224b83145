"""The sample catalogue (医保目录), diagnoses and the clinical profiles the background is drawn from.

Every item of seed 003 附件1 (the key drug / consumable watchlist) is an item here; the mapping lives
in ``dbt_project/seeds/knowledge_base/rule_key_drug_watchlist.csv`` and is validated against this
table on every run. Codes are fictional but shaped like the national ones: 西药 ``XW…``, 中成药
``ZC…``, 中药饮片 ``YP…``, 医用耗材 ``HC…`` and 15-digit 医疗服务项目 codes that start with ``00``
(so a reader that drops leading zeros is caught at once).

Profiles are designed so that the background never breaks a rule: no profile bills both items of a
``rule_bundle_pairs`` pair, every restricted item sits only in profiles whose diagnosis, sex, age
band, hospital level and setting satisfy the restriction, and supply per purchase is bounded
(acute ≤ 10 days, chronic refills ≤ 30 days) — see ``validate`` which enforces it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

P4 = 10_000  # prices and counts are kept as integers in 1/10000


def q4(x: float) -> int:
    return int(round(x * P4))


@dataclass
class Item:
    code: str
    name: str
    list_type: str  # 101 / 102 / 201 / 301
    typ: str  # med_chrgitm_type 01..14
    price: float  # standard unit price (yuan)
    cap: float | None  # pric_uplmt_amt
    lv: str = "01"  # chrgitm_lv 01 甲 / 02 乙 / 03 丙
    gend: str = ""
    age_min: int | None = None
    age_max: int | None = None
    dise: str = ""
    hosp_lv_min: int | None = None
    ipt_only: bool = False
    max_daily: float | None = None
    upd: float | None = None  # units_per_day
    pack: float = 1.0  # smallest units per pack (drugs); one traced line per pack
    packs: int = 1  # packs bought per outpatient / pharmacy purchase
    chronic: bool = False
    ph: bool = False  # sold by retail pharmacies (never a restricted item)
    otc: bool = False
    case_only: bool = False  # reserved for injected cases: the background never bills it
    # cap history: (first day 'YYYY-MM-DD' is filled in by the generator, new price, new cap)
    new_price: float | None = None
    new_cap: float | None = None
    idx: int = -1

    @property
    def is_drug(self) -> bool:
        return self.list_type in ("101", "102")

    @property
    def is_stock(self) -> bool:
        """Drugs and consumables: subject to 进销存 (R16/R17)."""
        return self.list_type in ("101", "102", "301")

    @property
    def restricted(self) -> bool:
        return bool(
            self.gend
            or self.age_min is not None
            or self.age_max is not None
            or self.dise
            or self.hosp_lv_min
            or self.ipt_only
        )

    @property
    def traced(self) -> bool:
        return self.list_type == "101"


def _w(code, name, price, cap, **kw) -> Item:  # 西药
    return Item(code, name, "101", "09", price, cap, **kw)


def _z(code, name, price, cap, **kw) -> Item:  # 中成药
    return Item(code, name, "101", "11", price, cap, **kw)


def _y(code, name, upd, price, cap, **kw) -> Item:  # 中药饮片 (grams)
    return Item(code, name, "102", "10", price, cap, upd=upd, **kw)


def _c(code, name, price, cap, **kw) -> Item:  # 医用耗材
    return Item(code, name, "301", "08", price, cap, **kw)


def _s(code, name, typ, price, cap, **kw) -> Item:  # 医疗服务项目
    return Item(code, name, "201", typ, price, cap, **kw)


ITEMS: list[Item] = [
    # ---------------------------------------------------------------- 西药 (watchlist 1..30)
    _w("XW00001", "人血白蛋白注射液(10g)", 380.0, 400.0, lv="02", upd=1, dise="K74;R57;E88"),
    _w("XW00002", "阿托伐他汀钙片(20mg)", 0.20, 0.25, upd=1, pack=28, chronic=True, ph=True),
    _w("XW00003", "硝苯地平控释片(30mg)", 1.00, 1.10, upd=1, pack=28, chronic=True, ph=True),
    _w(
        "XW00004",
        "贝伐珠单抗注射液(100mg/4ml)",
        1198.0,
        1250.0,
        lv="02",
        upd=3,
        dise="C18;C19;C20;C34",
        hosp_lv_min=2,
    ),
    _w("XW00005", "甲磺酸奥希替尼片(80mg)", 169.0, 180.0, lv="02", upd=1, pack=30, chronic=True, dise="C34"),
    _w("XW00006", "注射用头孢哌酮钠舒巴坦钠(1.5g)", 15.50, 17.0, lv="02", upd=2),
    _w("XW00007", "注射用曲妥珠单抗(440mg)", 5500.0, 5600.0, lv="02", upd=1, dise="C50;C16", hosp_lv_min=2),
    _w("XW00008", "注射用哌拉西林钠他唑巴坦钠(4.5g)", 18.0, 20.0, lv="02", upd=3),
    _w(
        "XW00009",
        "甘精胰岛素注射液(3ml:300单位)",
        75.0,
        80.0,
        lv="02",
        upd=0.1,
        pack=1,
        packs=3,
        chronic=True,
        dise="E10;E11",
    ),
    _w(
        "XW00010",
        "硫酸氢氯吡格雷片(75mg)",
        0.22,
        0.30,
        upd=1,
        pack=28,
        chronic=True,
        dise="I20;I21;I25;I63;I70",
    ),
    _w("XW00011", "苯磺酸氨氯地平片(5mg)", 0.15, 0.18, upd=1, pack=28, chronic=True, ph=True),
    _w(
        "XW00012",
        "丁苯酞氯化钠注射液(100ml:25mg)",
        148.0,
        155.0,
        lv="02",
        upd=2,
        dise="I63",
        hosp_lv_min=2,
        ipt_only=True,
    ),
    _w("XW00013", "苯磺酸左氨氯地平片(2.5mg)", 0.90, 1.00, upd=1, pack=14, packs=2, chronic=True, ph=True),
    _w(
        "XW00014",
        "达格列净片(10mg)",
        4.30,
        4.50,
        lv="02",
        upd=1,
        pack=14,
        packs=2,
        chronic=True,
        dise="E11",
        new_price=2.80,
        new_cap=3.00,
    ),
    _w("XW00015", "盐酸倍他司汀注射液(2ml:10mg)", 3.50, 4.00, lv="02", upd=2),
    _w("XW00016", "注射用美罗培南(0.5g)", 42.0, 46.0, lv="02", upd=3, hosp_lv_min=2),
    _w(
        "XW00017",
        "门冬胰岛素30注射液(3ml:300单位)",
        62.0,
        66.0,
        lv="02",
        upd=0.1,
        pack=1,
        packs=3,
        chronic=True,
        dise="E10;E11",
    ),
    _w("XW00018", "地佐辛注射液(1ml:5mg)", 28.0, 30.0, lv="02", upd=2, max_daily=4),
    _w("XW00019", "注射用头孢呋辛钠(1.5g)", 9.00, 10.0, upd=2),
    _w("XW00020", "注射用头孢噻肟钠(1g)", 3.20, 3.50, upd=3),
    _w("XW00021", "瑞舒伐他汀钙片(10mg)", 0.18, 0.20, upd=1, pack=28, chronic=True, ph=True),
    _w("XW00022", "琥珀酸美托洛尔缓释片(47.5mg)", 1.60, 1.80, upd=1, pack=7, packs=4, chronic=True, ph=True),
    _w("XW00023", "阿司匹林肠溶片(100mg)", 0.05, 0.06, upd=1, pack=30, chronic=True, ph=True),
    _w(
        "XW00024",
        "他克莫司胶囊(1mg)",
        8.20,
        8.80,
        lv="02",
        upd=4,
        pack=50,
        packs=2,
        chronic=True,
        dise="Z94;N04",
    ),
    _w("XW00025", "注射用头孢唑肟钠(1g)", 6.50, 7.00, lv="02", upd=2),
    _w("XW00026", "帕妥珠单抗注射液(420mg/14ml)", 4200.0, 4350.0, lv="02", upd=1, dise="C50", hosp_lv_min=3),
    _w("XW00027", "银杏叶提取物注射液(5ml:17.5mg)", 12.0, 13.0, lv="02", upd=2, dise="I63;I25", ipt_only=True),
    _w("XW00028", "注射用阿莫西林钠克拉维酸钾(1.2g)", 11.0, 12.0, upd=3),
    _w(
        "XW00029",
        "司库奇尤单抗注射液(150mg/1ml)",
        1188.0,
        1250.0,
        lv="02",
        upd=0.0714,
        pack=1,
        packs=2,
        chronic=True,
        dise="L40",
        hosp_lv_min=2,
    ),
    _w("XW00030", "注射用法莫替丁(20mg)", 2.50, 3.00, upd=2),
    # ---------------------------------------------------------------- 中成药 (watchlist 1..30)
    _z("ZC00001", "复方丹参滴丸(27mg)", 0.15, 0.17, upd=30, pack=180, packs=4, chronic=True, ph=True),
    _z("ZC00002", "脑心通胶囊(0.4g)", 0.90, 1.00, lv="02", upd=9, pack=48, packs=5, chronic=True, ph=True),
    _z("ZC00003", "麝香保心丸(22.5mg)", 0.75, 0.80, upd=6, pack=42, packs=4, chronic=True, ph=True),
    _z("ZC00004", "安宫牛黄丸(3g)", 500.0, 520.0, lv="02", upd=1, pack=1, case_only=True),
    _z("ZC00005", "蓝芩口服液(10ml)", 2.20, 2.40, upd=3, pack=12, ph=True),
    _z("ZC00006", "金水宝胶囊(0.33g)", 0.55, 0.60, lv="02", upd=9, pack=72, packs=3, chronic=True, ph=True),
    _z(
        "ZC00007",
        "百令胶囊(0.5g)",
        1.10,
        1.20,
        lv="02",
        upd=6,
        pack=42,
        packs=4,
        chronic=True,
        dise="N18;Z94;J84",
    ),
    _z(
        "ZC00008",
        "注射用血塞通(冻干)(200mg)",
        24.0,
        26.0,
        lv="02",
        upd=2,
        dise="I63;I69",
        hosp_lv_min=2,
        ipt_only=True,
    ),
    _z("ZC00009", "香丹注射液(10ml)", 3.80, 4.20, lv="02", upd=2, ipt_only=True),
    _z("ZC00010", "阿胶(500g)", 4.00, 4.20, lv="02", upd=9, pack=500, case_only=True),
    _z("ZC00011", "参松养心胶囊(0.4g)", 1.20, 1.30, lv="02", upd=9, pack=36, packs=2),
    _z("ZC00012", "通心络胶囊(0.26g)", 1.05, 1.15, lv="02", upd=9, pack=30, packs=3),
    _z("ZC00013", "华蟾素胶囊(0.25g)", 0.70, 0.80, lv="02", upd=12, pack=96, packs=3, chronic=True, dise="C"),
    _z("ZC00014", "稳心颗粒(9g)", 3.20, 3.50, lv="02", upd=3, pack=9, packs=3),
    _z("ZC00015", "连花清瘟胶囊(0.35g)", 0.60, 0.65, upd=12, pack=24, packs=2, ph=True),
    _z("ZC00016", "强力枇杷露(150ml)", 22.0, 24.0, upd=0.3, pack=1, ph=True, otc=True),
    _z("ZC00017", "蒲地蓝消炎口服液(10ml)", 3.00, 3.30, lv="02", upd=3, pack=10, ph=True),
    _z("ZC00018", "苏黄止咳胶囊(0.45g)", 1.60, 1.75, lv="02", upd=9, pack=24),
    _z("ZC00019", "尿毒清颗粒(5g)", 2.80, 3.00, lv="02", upd=4, pack=15, packs=6, chronic=True, dise="N18"),
    _z(
        "ZC00020",
        "丹红注射液(10ml)",
        26.0,
        28.0,
        lv="02",
        upd=2,
        dise="I63;I25",
        hosp_lv_min=2,
        ipt_only=True,
    ),
    _z("ZC00021", "银杏叶片(9.6mg)", 0.50, 0.55, upd=6, pack=24, packs=6, chronic=True, ph=True),
    _z("ZC00022", "舒血宁注射液(5ml)", 7.50, 8.20, lv="02", upd=2, dise="I63;I25", ipt_only=True),
    _z("ZC00023", "复方阿胶浆(20ml)", 4.20, 4.60, lv="02", upd=3, pack=12, ph=True),
    _z("ZC00024", "连花清瘟颗粒(6g)", 1.90, 2.10, upd=3, pack=10, ph=True),
    _z(
        "ZC00025",
        "六味地黄丸(浓缩丸)",
        0.12,
        0.13,
        upd=24,
        pack=200,
        packs=3,
        chronic=True,
        ph=True,
        otc=True,
    ),
    _z("ZC00026", "血塞通软胶囊(0.33g)", 1.10, 1.20, lv="02", upd=4, pack=24, packs=4, chronic=True, ph=True),
    _z("ZC00027", "注射用血栓通(冻干)(150mg)", 23.0, 25.0, lv="02", upd=2, dise="I63", ipt_only=True),
    _z("ZC00028", "肺力咳胶囊(0.3g)", 0.80, 0.90, lv="02", upd=12, pack=30, packs=2, ph=True),
    _z("ZC00029", "芪苈强心胶囊(0.3g)", 1.30, 1.45, lv="02", upd=12, pack=36, dise="I50"),
    _z("ZC00030", "速效救心丸(40mg)", 0.12, 0.14, upd=12, pack=180, packs=2, chronic=True, ph=True),
    # ---------------------------------------------------------------- 中药饮片 (watchlist, grams)
    _y("YP00001", "炒酸枣仁", 15, 0.35, 0.40),
    _y("YP00002", "黄芪", 20, 0.12, 0.15),
    _y("YP00003", "全蝎", 3, 6.00, 6.50),
    _y("YP00004", "党参片", 15, 0.25, 0.30),
    _y("YP00005", "当归", 10, 0.30, 0.35),
    _y("YP00006", "三七粉", 3, 1.20, 1.35),
    _y("YP00007", "西洋参", 5, 1.80, 2.00),
    _y("YP00008", "北柴胡", 10, 0.50, 0.55),
    _y("YP00009", "茯苓", 15, 0.08, 0.10),
    _y("YP00010", "金银花", 10, 0.60, 0.65),
    _y("YP00011", "川贝母", 6, 8.00, 8.50),
    _y("YP00012", "天麻", 10, 1.00, 1.10),
    _y("YP00013", "防风", 10, 0.20, 0.25),
    _y("YP00014", "砂仁", 6, 1.10, 1.20),
    _y("YP00015", "枸杞子", 12, 0.15, 0.18),
    _y("YP00016", "人参片", 6, 1.50, 1.65),
    _y("YP00017", "太子参", 15, 0.45, 0.50),
    _y("YP00018", "麦冬", 12, 0.25, 0.28),
    _y("YP00019", "红花", 6, 0.90, 1.00),
    _y("YP00020", "地龙", 10, 0.40, 0.45),
    _y("YP00021", "酸枣仁", 15, 0.32, 0.36),
    _y("YP00022", "丹参", 15, 0.08, 0.10),
    _y("YP00023", "蝉蜕", 6, 1.20, 1.30),
    _y("YP00024", "白术", 12, 0.12, 0.15),
    _y("YP00025", "川芎", 10, 0.15, 0.18),
    _y("YP00026", "法半夏", 9, 0.35, 0.40),
    _y("YP00027", "蜈蚣", 3, 4.00, 4.40),
    _y("YP00028", "羌活", 10, 0.60, 0.66),
    _y("YP00029", "阿胶珠", 6, 5.00, 5.50),
    _y("YP00030", "红芪", 15, 0.30, 0.33),
    _y("YP00101", "甘草", 6, 0.06, 0.08),
    _y("YP00102", "陈皮", 9, 0.05, 0.07),
    _y("YP00103", "黄连", 6, 0.90, 1.00),
    # ---------------------------------------------------------------- 医用耗材 (watchlist 1..30)
    _c("HC00001", "一次性使用血液灌流器", 980.0, 1050.0, lv="02"),
    _c("HC00002", "磁定位压力监测射频消融导管", 12800.0, 13500.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00003", "血液透析滤过器", 160.0, 175.0, lv="02"),
    _c("HC00004", "大血管闭合刀头(≤7mm)", 2600.0, 2800.0, lv="02", ipt_only=True),
    _c("HC00005", "可解脱弹簧圈", 6800.0, 7200.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00006", "冠脉导引导丝", 680.0, 720.0, lv="02", ipt_only=True),
    _c("HC00007", "冠脉切割球囊", 5800.0, 6200.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00008", "可吸收性特殊理化缝线(抗菌涂层)", 160.0, 175.0, lv="02"),
    _c("HC00009", "冠脉导引导管", 680.0, 720.0, lv="02", ipt_only=True),
    _c("HC00010", "一次性使用止血夹", 120.0, 135.0, lv="02"),
    _c("HC00011", "电动腔镜切割吻合器钉仓", 1800.0, 1950.0, lv="02", ipt_only=True),
    _c("HC00012", "冠脉血管内超声诊断导管", 8500.0, 9000.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00013", "腔镜切割吻合器钉仓", 1200.0, 1300.0, lv="02", ipt_only=True),
    _c(
        "HC00014",
        "冠脉药物涂层球囊(紫杉醇,快速交换型)",
        7600.0,
        8000.0,
        lv="02",
        hosp_lv_min=3,
        ipt_only=True,
        new_price=5500.0,
        new_cap=5800.0,
    ),
    _c("HC00015", "骨水泥(含抗生素)", 1100.0, 1200.0, lv="02", ipt_only=True),
    _c("HC00016", "一次性使用血液透析器", 95.0, 105.0),
    _c("HC00017", "磁定位标测诊断导管", 6500.0, 6900.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00018", "冠脉药物涂层球囊(紫杉醇,同轴型)", 7400.0, 7800.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00019", "颅内支架(自膨式)", 16000.0, 17000.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00020", "等离子刀头(泌尿)", 1600.0, 1750.0, lv="02", ipt_only=True),
    _c("HC00021", "真空辅助乳腺活检旋切针", 2800.0, 3000.0, lv="02"),
    _c("HC00022", "连续性血液净化滤器及管路套装", 1350.0, 1450.0, lv="02", ipt_only=True),
    _c("HC00023", "预充式导管冲洗器(10ml)", 4.50, 5.00, lv="02"),
    _c("HC00024", "颅内支架(球扩式)", 14000.0, 15000.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00025", "超滑造影导丝", 260.0, 280.0, lv="02"),
    _c("HC00026", "一次性单发结扎夹", 45.0, 50.0, lv="02"),
    _c("HC00027", "冠脉药物涂层球囊(西罗莫司)", 7900.0, 8300.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00028", "动脉血管鞘组", 220.0, 240.0, lv="02"),
    _c("HC00029", "双腔起搏器(含电极)", 32000.0, 35000.0, lv="02", hosp_lv_min=3, ipt_only=True),
    _c("HC00030", "人工硬脑(脊)膜补片", 3200.0, 3500.0, lv="02", ipt_only=True, case_only=True),
    # ---------------------------------------------------------------- other 西药
    _w("XW00101", "0.9%氯化钠注射液(250ml)", 3.20, 3.50, upd=2),
    _w("XW00102", "5%葡萄糖注射液(250ml)", 3.00, 3.30, upd=2),
    _w("XW00103", "盐酸二甲双胍片(0.5g)", 0.05, 0.06, upd=3, pack=84, chronic=True, ph=True),
    _w("XW00104", "奥美拉唑肠溶胶囊(20mg)", 0.30, 0.35, upd=1, pack=7, ph=True),
    _w("XW00105", "布洛芬缓释胶囊(0.3g)", 0.25, 0.30, upd=2, pack=20, ph=True, otc=True),
    _w("XW00106", "对乙酰氨基酚片(0.5g)", 0.10, 0.12, upd=4, pack=12, ph=True, otc=True),
    _w("XW00107", "阿莫西林胶囊(0.25g)", 0.18, 0.20, upd=6, pack=24, ph=True),
    _w("XW00108", "头孢克洛胶囊(0.25g)", 0.90, 1.00, upd=3, pack=12, ph=True),
    _w("XW00109", "左氧氟沙星片(0.5g)", 1.50, 1.70, upd=1, pack=6),
    _w("XW00110", "蒙脱石散(3g)", 1.20, 1.30, upd=3, pack=10, ph=True, otc=True),
    _w("XW00111", "复方甘草片", 0.04, 0.05, upd=9, pack=60, ph=True, otc=True),
    _w("XW00112", "小儿氨酚黄那敏颗粒", 0.60, 0.70, upd=3, pack=10, age_max=14),
    _w("XW00113", "布洛芬混悬液(100ml)", 12.0, 13.0, upd=0.2, pack=1),
    _w(
        "XW00114",
        "盐酸坦索罗辛缓释胶囊(0.2mg)",
        1.20,
        1.35,
        lv="02",
        upd=1,
        pack=10,
        packs=3,
        chronic=True,
        gend="1",
    ),
    _w("XW00115", "非那雄胺片(5mg)", 1.00, 1.10, lv="02", upd=1, pack=10, packs=3, chronic=True, gend="1"),
    _w("XW00116", "黄体酮注射液(1ml:20mg)", 2.20, 2.50, upd=1, pack=1, gend="2"),
    _w("XW00117", "缩宫素注射液(1ml:10U)", 1.80, 2.00, upd=2, gend="2"),
    _w("XW00118", "阿仑膦酸钠片(70mg)", 3.50, 3.80, lv="02", upd=0.1429, pack=4, chronic=True, age_min=50),
    _w("XW00119", "碳酸钙D3片", 0.30, 0.35, lv="02", upd=1, pack=30, chronic=True, ph=True),
    _w(
        "XW00120",
        "重组人促红素注射液(10000IU)",
        78.0,
        85.0,
        lv="02",
        upd=0.3,
        pack=1,
        packs=6,
        chronic=True,
        dise="N18;D63",
    ),
    _w("XW00121", "硝酸甘油片(0.5mg)", 0.05, 0.06, upd=3, pack=60, chronic=True, ph=True),
    _w("XW00122", "呋塞米注射液(2ml:20mg)", 0.50, 0.60, upd=2),
    _w("XW00123", "低分子量肝素钙注射液(0.4ml)", 18.0, 20.0, lv="02", upd=2),
    _w("XW00124", "注射用奥美拉唑钠(40mg)", 6.00, 6.80, lv="02", upd=2),
    _w("XW00125", "硫酸沙丁胺醇吸入气雾剂", 25.0, 28.0, upd=0.04, pack=1, chronic=True),
    _w("XW00126", "吸入用布地奈德混悬液(2ml:1mg)", 5.00, 5.50, lv="02", upd=2),
    _w("XW00127", "维生素C片(0.1g)", 0.02, 0.03, lv="03", upd=3, pack=30, ph=True, otc=True),
    _w("XW00128", "甲钴胺片(0.5mg)", 0.60, 0.70, lv="02", upd=3, pack=20, ph=True),
    _w("XW00129", "顺铂注射液(10mg)", 12.0, 14.0, upd=3),
    # reserved for the 进销存 cases (R16/R17): the background never bills them
    _w("XW00191", "吲达帕胺片(2.5mg)", 0.30, 0.35, upd=1, pack=30, case_only=True),
    _w("XW00192", "格列美脲片(2mg)", 0.60, 0.70, upd=1, pack=30, case_only=True),
    _w("XW00193", "厄贝沙坦片(150mg)", 0.40, 0.45, upd=1, pack=28, case_only=True),
    _w("XW00194", "硝苯地平片(10mg)", 0.10, 0.12, upd=3, pack=60, case_only=True),
    _w("XW00195", "非洛地平缓释片(5mg)", 0.50, 0.55, upd=1, pack=30, case_only=True),
    _w("XW00196", "替米沙坦片(40mg)", 0.35, 0.40, upd=1, pack=28, case_only=True),
    _w("XW00197", "缬沙坦胶囊(80mg)", 0.45, 0.50, upd=1, pack=28, case_only=True),
    _w("XW00198", "苯磺酸氨氯地平片(10mg)", 0.25, 0.30, upd=1, pack=30, case_only=True),
    # ---------------------------------------------------------------- other 中成药
    _z("ZC00101", "板蓝根颗粒(10g)", 0.80, 0.90, upd=3, pack=20, ph=True, otc=True),
    _z("ZC00102", "藿香正气水(10ml)", 1.10, 1.20, upd=3, pack=10, ph=True, otc=True),
    _z("ZC00103", "感冒灵颗粒(10g)", 1.00, 1.10, upd=3, pack=9, ph=True, otc=True),
    _z("ZC00104", "痰热清注射液(10ml)", 38.0, 41.0, lv="02", upd=2, hosp_lv_min=2, ipt_only=True),
    _z("ZC00105", "小儿肺咳颗粒(2g)", 1.50, 1.65, lv="02", upd=3, pack=12, age_max=14),
    # ---------------------------------------------------------------- other 耗材
    _c("HC00101", "一次性使用输液器", 3.50, 4.00),
    _c("HC00102", "静脉留置针", 15.0, 18.0),
    _c("HC00103", "医用敷料(换药用)", 6.00, 7.00),
    _c("HC00104", "一次性导尿包", 22.0, 25.0),
    _c("HC00105", "一次性使用吸氧管", 5.00, 6.00),
    # ---------------------------------------------------------------- 医疗服务项目
    _s("001103000010000", "普通病房床位费(三人间)", "01", 30.0, 35.0, max_daily=1),
    _s("001103000020000", "普通病房床位费(双人间)", "01", 45.0, 50.0, max_daily=1),
    _s("001102000010000", "门诊诊查费(普通)", "02", 10.0, 12.0, max_daily=1),
    _s("001102000020000", "门诊诊查费(副主任医师)", "02", 20.0, 25.0, max_daily=1),
    _s("001102000030000", "住院诊查费", "02", 20.0, 22.0, max_daily=1),
    _s("001101000010000", "挂号费", "13", 1.0, 1.0, max_daily=1),
    _s("001101000020000", "一般诊疗费", "12", 10.0, 10.0, max_daily=1),
    _s("001202000010000", "一级护理", "07", 26.0, 28.0, max_daily=1),
    _s("001202000020000", "二级护理", "07", 15.0, 16.0, max_daily=1),
    _s("001202000030000", "三级护理", "07", 8.0, 9.0, max_daily=1),
    _s("002103000010000", "X线摄影(DR)胸部", "03", 80.0, 90.0),
    _s("002103000020000", "CT平扫(头颅)", "03", 200.0, 220.0, max_daily=1),
    _s("002103000030000", "CT平扫(胸部)", "03", 220.0, 240.0, max_daily=1, new_price=190.0, new_cap=200.0),
    _s("002103000040000", "磁共振平扫(头颅)", "03", 480.0, 520.0, max_daily=1, hosp_lv_min=2),
    _s("002103000050000", "骨密度测定(双能X线)", "03", 120.0, 130.0, age_min=50),
    _s("002201000010000", "彩色多普勒超声(腹部)", "03", 120.0, 130.0),
    _s("002201000020000", "心脏彩色多普勒超声", "03", 180.0, 200.0),
    _s("002201000030000", "泌尿系B超", "03", 60.0, 70.0),
    _s("002201000040000", "妇科B超", "03", 60.0, 70.0, gend="2"),
    _s("003102000010000", "常规心电图", "03", 25.0, 30.0),
    _s("003102000020000", "动态心电图", "03", 180.0, 200.0, max_daily=1, hosp_lv_min=2),
    _s("003107000010000", "电子胃镜检查", "03", 260.0, 280.0, hosp_lv_min=2),
    _s("002501000010000", "血常规(五分类)", "04", 20.0, 25.0),
    _s("002501000020000", "血红蛋白测定", "04", 5.0, 6.0),
    _s("002503000010000", "肝功能全套", "04", 90.0, 100.0),
    _s("002503000020000", "丙氨酸氨基转移酶测定", "04", 8.0, 10.0),
    _s("002503000030000", "肾功能三项", "04", 40.0, 45.0),
    _s("002503000040000", "血清肌酐测定", "04", 10.0, 12.0),
    _s("002503000050000", "血脂四项", "04", 45.0, 50.0),
    _s("002503000060000", "总胆固醇测定", "04", 8.0, 10.0),
    _s("002503000070000", "电解质四项", "04", 35.0, 40.0),
    _s("002503000080000", "血清钾测定", "04", 8.0, 10.0),
    _s("002501000030000", "尿常规", "04", 15.0, 18.0),
    _s("002501000040000", "尿蛋白定性", "04", 4.0, 5.0),
    _s("002503000090000", "血糖测定", "04", 10.0, 12.0, max_daily=8),
    _s("002503000100000", "糖化血红蛋白测定", "04", 60.0, 70.0),
    _s("002502000010000", "凝血四项", "04", 80.0, 90.0),
    _s("002502000020000", "凝血酶原时间测定", "04", 15.0, 18.0),
    _s("002503000110000", "心肌酶谱", "04", 90.0, 100.0),
    _s("002503000120000", "肌酸激酶测定", "04", 10.0, 12.0),
    _s("002503000130000", "肌钙蛋白I测定", "04", 100.0, 110.0),
    _s("002504000010000", "C反应蛋白测定", "04", 30.0, 35.0),
    _s("002504000020000", "前列腺特异性抗原测定", "04", 80.0, 90.0, gend="1"),
    _s("002505000010000", "宫颈液基细胞学检查", "04", 150.0, 160.0, gend="2"),
    _s("002503000140000", "B型钠尿肽测定", "04", 180.0, 200.0),
    _s("002503000150000", "血气分析", "04", 80.0, 90.0),
    _s("003101000010000", "静脉输液(首组)", "05", 8.0, 10.0, max_daily=1),
    _s("003101000020000", "静脉注射", "05", 3.0, 4.0),
    _s("003101000030000", "肌肉注射", "05", 2.0, 3.0, max_daily=4),
    _s("003101000040000", "雾化吸入", "05", 10.0, 12.0, max_daily=3),
    _s("003105000010000", "血液透析", "05", 400.0, 420.0, max_daily=1, hosp_lv_min=2),
    _s("003105000020000", "血液透析滤过", "05", 550.0, 600.0, max_daily=1, hosp_lv_min=2),
    _s("003105000030000", "血液灌流", "05", 600.0, 650.0, max_daily=1, hosp_lv_min=2),
    _s("003105000040000", "连续性血液净化", "05", 1200.0, 1300.0, max_daily=1, hosp_lv_min=2, ipt_only=True),
    _s("003101000050000", "换药(中)", "05", 20.0, 25.0),
    _s("003101000060000", "清创缝合术(小)", "05", 120.0, 130.0),
    _s("003101000070000", "吸氧(每小时)", "05", 3.0, 4.0, max_daily=24),
    _s("003101000080000", "导尿", "05", 15.0, 18.0),
    _s("003101000090000", "留置导尿", "05", 25.0, 30.0),
    _s("003102000030000", "心电监护(每日)", "05", 60.0, 70.0, max_daily=1),
    _s("004101000010000", "普通针刺", "05", 30.0, 35.0, max_daily=1),
    _s("004101000020000", "推拿治疗", "05", 40.0, 45.0, max_daily=1),
    _s("004101000030000", "中频脉冲电治疗", "05", 20.0, 25.0, max_daily=2),
    _s("003310000010000", "腹腔镜下胆囊切除术", "06", 1800.0, 2000.0, hosp_lv_min=2, ipt_only=True),
    _s("003310000020000", "胆囊切除术(开腹)", "06", 1500.0, 1600.0, ipt_only=True),
    _s("003301000010000", "全身麻醉", "06", 600.0, 650.0, ipt_only=True),
    _s("003301000020000", "气管插管术", "06", 100.0, 110.0),
    _s("003301000030000", "椎管内麻醉", "06", 400.0, 450.0, ipt_only=True),
    _s("003311000010000", "经皮冠状动脉支架置入术", "06", 3000.0, 3300.0, hosp_lv_min=3, ipt_only=True),
    _s("003311000020000", "冠状动脉造影术", "06", 1200.0, 1300.0, hosp_lv_min=2, ipt_only=True),
    _s("003311000030000", "经皮冠状动脉腔内成形术", "06", 2500.0, 2700.0, hosp_lv_min=3, ipt_only=True),
    _s("003311000040000", "心脏永久起搏器置入术", "06", 2500.0, 2700.0, hosp_lv_min=3, ipt_only=True),
    _s("003311000050000", "心脏电生理检查", "06", 800.0, 880.0, hosp_lv_min=3, ipt_only=True),
    _s("003311000060000", "经导管射频消融术", "06", 3500.0, 3800.0, hosp_lv_min=3, ipt_only=True),
    _s("003312000020000", "人工髋关节置换术", "06", 3500.0, 3800.0, hosp_lv_min=2, ipt_only=True),
    _s("003312000030000", "股骨头切除术", "06", 1500.0, 1650.0, ipt_only=True),
    _s("003313000010000", "经尿道前列腺电切术", "06", 2500.0, 2700.0, hosp_lv_min=2, ipt_only=True, gend="1"),
    _s("003313000020000", "膀胱镜检查", "06", 300.0, 330.0),
    _s("003314000010000", "单胎顺产接生", "06", 800.0, 880.0, ipt_only=True, gend="2"),
    _s("003314000020000", "会阴切开缝合术", "06", 200.0, 220.0, gend="2"),
    _s("003315000010000", "颅内动脉瘤血管内栓塞术", "06", 6000.0, 6600.0, hosp_lv_min=3, ipt_only=True),
    _s("003315000020000", "全脑血管造影术", "06", 1500.0, 1650.0, hosp_lv_min=2, ipt_only=True),
    _s("003316000010000", "腹腔镜下结直肠癌根治术", "06", 5000.0, 5500.0, hosp_lv_min=3, ipt_only=True),
    _s("003316000020000", "肠粘连松解术", "06", 800.0, 880.0, ipt_only=True),
    _s("003317000010000", "内镜下消化道止血术", "06", 600.0, 660.0, hosp_lv_min=2, ipt_only=True),
    _s("003318000010000", "乳腺肿物真空辅助旋切术", "06", 500.0, 550.0, hosp_lv_min=2),
    _s("004901000010000", "中药饮片煎药费(每剂)", "14", 2.50, 3.00),
    # ---------------------------------------------------------------- named by the sample knowledge base
    # (kb_point / kb_point_code, see kb_points.py): reserved for its cases, the background never bills them
    _w("XW00201", "注射用胸腺法新(1.6mg)", 120.0, 130.0, lv="02", upd=1, pack=1, case_only=True),
    _w("XW00202", "鲑降钙素注射液(50IU)", 35.0, 38.0, lv="02", upd=1, pack=1, case_only=True),
    _w("XW00210", "注射用尿促卵泡素(75IU)", 110.0, 120.0, lv="02", upd=1, pack=1, case_only=True),
    _w("XW00211", "十一酸睾酮软胶囊(40mg)", 2.50, 2.80, lv="02", upd=2, pack=10, case_only=True),
    _w("XW00213", "注射用重组人尿激酶原(5mg)", 1500.0, 1600.0, lv="02", upd=1, pack=1, case_only=True),
    _w("XW00214", "注射用艾司奥美拉唑钠(40mg)", 28.0, 30.0, lv="02", upd=2, pack=1, case_only=True),
    _w("XW00215", "利拉鲁肽注射液(3ml:18mg)", 400.0, 420.0, lv="02", upd=0.1, pack=1, case_only=True),
    _w("XW00216", "依洛尤单抗注射液(140mg)", 500.0, 520.0, lv="02", upd=0.0714, pack=1, case_only=True),
    _w("XW00217", "盐酸二甲双胍缓释片(0.5g)", 0.50, 0.55, upd=2, pack=30, case_only=True),
    _z("ZC00201", "小儿豉翘清热颗粒(2g)", 2.00, 2.20, lv="02", upd=3, pack=9, case_only=True),
    _y("YP00201", "冬虫夏草", 1, 60.0, 65.0, case_only=True),
    _y("YP00202", "西红花", 1, 30.0, 33.0, case_only=True),
    _c("HC00201", "胰岛素泵输注管路", 600.0, 650.0, lv="02", case_only=True),
    _c("HC00202", "一次性使用硅胶导尿管", 35.0, 40.0, lv="02", case_only=True),
    _s("002103000060000", "正电子发射计算机断层显像(PET/CT)", "03", 6000.0, 6500.0, case_only=True),
    _s("002104000010000", "床旁X线摄影", "03", 90.0, 100.0, case_only=True),
    _s("002105000010000", "24小时动态血压监测", "03", 150.0, 165.0, case_only=True),
    _s("002503000160000", "25-羟基维生素D测定", "04", 80.0, 90.0, case_only=True),
    _s("003104000010000", "动脉穿刺置管术", "05", 80.0, 90.0, case_only=True),
    _s("003104000020000", "动脉穿刺术", "05", 20.0, 25.0, case_only=True),
    _s("003106000010000", "新生儿光照疗法(每小时)", "05", 15.0, 18.0, case_only=True),
    _s("004103000010000", "针刺运动疗法", "05", 45.0, 50.0, case_only=True),
    _s("004103000020000", "电针治疗", "05", 25.0, 28.0, case_only=True),
    _s("004201000010000", "运动疗法", "05", 30.0, 35.0, case_only=True),
]

BY_CODE: dict[str, Item] = {}
for _i, _it in enumerate(ITEMS):
    _it.idx = _i
    BY_CODE[_it.code] = _it


def item(code: str) -> Item:
    return BY_CODE[code]


# ------------------------------------------------------------------------------- diagnoses
DIAGNOSES: dict[str, str] = {
    "J06.900": "急性上呼吸道感染",
    "J00.x00": "急性鼻咽炎",
    "J02.900": "急性咽炎",
    "J20.900": "急性支气管炎",
    "K29.500": "慢性胃炎",
    "K30.x00": "功能性消化不良",
    "M54.500": "腰痛",
    "R42.x00": "头晕",
    "R51.x00": "头痛",
    "G47.000": "失眠",
    "I67.800": "脑供血不足",
    "E11.900": "2型糖尿病不伴有并发症",
    "E78.500": "高脂血症",
    "E11.600": "2型糖尿病伴有并发症",
    "I10.x00": "原发性高血压",
    "I25.100": "动脉粥样硬化性心脏病",
    "I63.900": "脑梗死",
    "I69.300": "脑梗死后遗症",
    "I21.900": "急性心肌梗死",
    "I50.900": "心力衰竭",
    "I49.500": "病态窦房结综合征",
    "I49.900": "心律失常",
    "I47.100": "室上性心动过速",
    "I67.100": "脑动脉瘤",
    "J18.900": "肺炎",
    "J44.100": "慢性阻塞性肺病伴有急性加重",
    "K80.200": "胆囊结石",
    "K92.200": "胃肠道出血",
    "K74.600": "肝硬化",
    "K76.000": "脂肪肝",
    "B18.100": "慢性乙型病毒性肝炎",
    "S72.000": "股骨颈骨折",
    "S61.000": "手指开放性伤口",
    "Z48.000": "伤口换药",
    "N18.500": "慢性肾脏病5期",
    "N40.x00": "前列腺增生",
    "N76.000": "急性阴道炎",
    "O20.000": "先兆流产",
    "O80.000": "单胎顺产",
    "C34.900": "肺恶性肿瘤",
    "C50.900": "乳腺恶性肿瘤",
    "C18.900": "结肠恶性肿瘤",
    "D24.x00": "乳房良性肿瘤",
    "M81.000": "绝经后骨质疏松",
    "L40.000": "寻常型银屑病",
    "Z94.000": "肾移植状态",
    "D64.900": "贫血",
    "M51.200": "腰椎间盘突出",
    "H81.100": "良性阵发性位置性眩晕",
    "R53.x00": "乏力",
    # named by the sample knowledge base (R12, R28, R29 cases); no background profile uses them
    "I20.000": "不稳定型心绞痛",
    "N18.300": "慢性肾脏病3期",
    "N41.100": "慢性前列腺炎",
    "N97.900": "女性不孕症",
    "P59.900": "新生儿黄疸",
    "R54.x00": "老年性衰弱",
}


# -------------------------------------------------------------------------------- profiles
@dataclass
class Pool:
    codes: tuple[str, ...]
    kmin: int
    kmax: int


@dataclass
class Proc:
    """Items billed once on one day of the stay (``day`` counted from admission; clipped to the stay)."""

    day: int
    codes: tuple[str, ...]
    cnt: tuple[float, ...] = ()
    prob: float = 1.0
    choose_one: bool = False  # bill one of ``codes`` instead of all of them


@dataclass
class Profile:
    key: str
    setting: str  # op (hospital/clinic outpatient) | ipt (inpatient)
    dx: str
    dept: str
    weight: float = 1.0
    gend: str = ""
    age: tuple[int, int] = (0, 120)
    lv_min: int = 0  # institution hosp_lv minimum (0: clinics too)
    chronic: bool = False  # a chronic refill visit (med_type 14 where eligible)
    med_type_14: bool = False
    pools: tuple[Pool, ...] = ()
    # inpatient only
    los: tuple[int, int] = (3, 10)
    nursing: str = "001202000020000"
    anchors: tuple[str, ...] = ("XW00101", "003101000010000")
    daily: Pool | None = None
    day0: Pool | None = None
    procs: tuple[Proc, ...] = ()
    dx2: tuple[str, ...] = field(default=())


def P(codes: str, kmin: int, kmax: int) -> Pool:
    return Pool(tuple(codes.split()), kmin, kmax)


OP_PROFILES: list[Profile] = [
    Profile(
        "op_uri",
        "op",
        "J06.900",
        "A03",
        10,
        age=(14, 120),
        pools=(
            P("002501000010000", 0, 1),
            P("ZC00015 ZC00024 ZC00017 ZC00005 XW00106 XW00107 XW00108 ZC00101 ZC00103", 1, 3),
        ),
    ),
    Profile(
        "op_uri_child",
        "op",
        "J06.900",
        "A07",
        4,
        age=(0, 13),
        pools=(P("002501000010000", 0, 1), P("XW00112 XW00113 ZC00105 ZC00017", 1, 2)),
    ),
    Profile(
        "op_bronchitis",
        "op",
        "J20.900",
        "A03",
        5,
        age=(14, 120),
        pools=(P("002103000010000", 0, 1), P("ZC00018 ZC00028 ZC00016 XW00108 XW00109 XW00111", 1, 3)),
    ),
    Profile(
        "op_gastritis",
        "op",
        "K29.500",
        "A03",
        4,
        age=(18, 120),
        pools=(P("002201000010000", 0, 1), P("XW00104 XW00110 XW00128", 1, 2)),
    ),
    Profile(
        "op_gastroscope",
        "op",
        "K29.500",
        "A03",
        1,
        age=(18, 120),
        lv_min=2,
        pools=(P("003107000010000", 1, 1), P("XW00104", 1, 1)),
    ),
    Profile(
        "op_infusion",
        "op",
        "J18.900",
        "A03",
        2,
        age=(14, 120),
        pools=(
            P("003101000010000", 1, 1),
            P("XW00101", 1, 1),
            P("XW00019 XW00020", 1, 1),
            P("HC00101", 1, 1),
            P("002501000010000 002504000010000", 0, 2),
        ),
    ),
    Profile(
        "op_nebul",
        "op",
        "J20.900",
        "A07",
        1,
        age=(3, 13),
        pools=(P("003101000040000", 1, 1), P("XW00126", 1, 1)),
    ),
    Profile(
        "op_tcm_insomnia",
        "op",
        "G47.000",
        "A50",
        2,
        age=(18, 120),
        pools=(
            P("YP00001 YP00021 YP00009 YP00005 YP00025 YP00022 YP00018 YP00024 YP00101", 4, 7),
            P("004901000010000", 1, 1),
        ),
    ),
    Profile(
        "op_tcm_fatigue",
        "op",
        "R53.x00",
        "A50",
        2,
        age=(18, 120),
        pools=(
            P(
                "YP00002 YP00004 YP00007 YP00016 YP00017 YP00018 YP00015 YP00024 YP00030 YP00029 YP00006 YP00102",
                4,
                7,
            ),
            P("004901000010000", 1, 1),
        ),
    ),
    Profile(
        "op_tcm_cold",
        "op",
        "J00.x00",
        "A50",
        2,
        age=(14, 120),
        pools=(
            P("YP00010 YP00008 YP00013 YP00023 YP00028 YP00026 YP00101 YP00102 YP00011 YP00014", 4, 7),
            P("004901000010000", 1, 1),
        ),
    ),
    Profile(
        "op_backpain",
        "op",
        "M54.500",
        "A50",
        3,
        age=(18, 120),
        pools=(
            P("004101000010000 004101000020000 004101000030000", 1, 2),
            P("YP00025 YP00019 YP00020 YP00003 YP00027 YP00005 YP00103", 0, 5),
            P("XW00105", 0, 1),
        ),
    ),
    Profile(
        "op_bph",
        "op",
        "N40.x00",
        "A04",
        2,
        gend="1",
        age=(45, 120),
        pools=(P("002504000020000 002201000030000", 1, 2),),
    ),
    Profile(
        "op_gyn",
        "op",
        "N76.000",
        "A05",
        2,
        gend="2",
        age=(18, 50),
        pools=(P("002201000040000 002505000010000", 1, 2),),
    ),
    Profile(
        "op_preg",
        "op",
        "O20.000",
        "A05",
        1,
        gend="2",
        age=(20, 40),
        pools=(P("XW00116", 1, 1), P("003101000030000", 1, 1), P("002201000040000", 0, 1)),
    ),
    Profile("op_osteo", "op", "M81.000", "A03", 2, age=(51, 120), pools=(P("002103000050000", 0, 1),)),
    Profile(
        "op_anemia",
        "op",
        "D64.900",
        "A03",
        1,
        age=(14, 120),
        pools=(P("002501000010000", 1, 1), P("ZC00023", 1, 1)),
    ),
    Profile(
        "op_wound",
        "op",
        "S61.000",
        "A04",
        1,
        age=(5, 120),
        pools=(P("003101000060000", 1, 1), P("HC00103", 1, 1)),
    ),
    Profile(
        "op_dressing",
        "op",
        "Z48.000",
        "A04",
        1,
        age=(5, 120),
        pools=(P("003101000050000", 1, 1), P("HC00103", 1, 1)),
    ),
    Profile(
        "op_headache_mri",
        "op",
        "R51.x00",
        "A03",
        1,
        age=(18, 120),
        lv_min=2,
        pools=(P("002103000040000", 1, 1), P("XW00106", 0, 1)),
    ),
    Profile("op_holter", "op", "I49.900", "A03", 1, age=(18, 120), lv_min=2, pools=(P("003102000020000", 1, 1),)),
    Profile(
        "op_liver",
        "op",
        "B18.100",
        "A03",
        1,
        age=(18, 120),
        pools=(P("002503000010000", 1, 1), P("002201000010000", 0, 1)),
    ),
    Profile(
        "op_fatty_liver",
        "op",
        "K76.000",
        "A03",
        1,
        age=(18, 120),
        pools=(P("002503000020000", 1, 1), P("002503000050000", 0, 1)),
    ),
    Profile(
        "op_lipid",
        "op",
        "E78.500",
        "A03",
        1,
        age=(30, 120),
        pools=(P("002503000060000", 1, 1), P("002503000090000", 0, 1)),
    ),
    Profile(
        "op_vertigo",
        "op",
        "H81.100",
        "A03",
        1,
        age=(30, 120),
        pools=(P("XW00128", 1, 1), P("YP00012 YP00025 YP00009 YP00024", 3, 4), P("004901000010000", 1, 1)),
    ),
]

# Chronic refills: the person's standing prescription (drawn once per person) and occasional checks.
CHRONIC_PROFILES: list[Profile] = [
    Profile(
        "ch_htn",
        "op",
        "I10.x00",
        "A03",
        10,
        age=(35, 120),
        chronic=True,
        pools=(
            P("XW00011 XW00003 XW00022 XW00013", 1, 2),
            P("002503000050000 002503000030000 003102000010000", 0, 1),
        ),
    ),
    Profile(
        "ch_dm",
        "op",
        "E11.900",
        "A03",
        6,
        age=(30, 120),
        chronic=True,
        med_type_14=True,
        pools=(P("XW00103 XW00014 XW00009 XW00017", 1, 2), P("002503000090000 002503000100000", 0, 1)),
    ),
    Profile(
        "ch_chd",
        "op",
        "I25.100",
        "A03",
        6,
        age=(40, 120),
        chronic=True,
        pools=(
            P("XW00002 XW00021 XW00023 XW00010 ZC00001 ZC00003 ZC00030 ZC00002", 1, 3),
            P("002503000050000 003102000010000", 0, 1),
        ),
    ),
    Profile(
        "ch_stroke",
        "op",
        "I69.300",
        "A03",
        3,
        age=(45, 120),
        chronic=True,
        pools=(P("XW00023 ZC00026 ZC00021 ZC00002", 1, 2),),
    ),
    Profile(
        "ch_ckd",
        "op",
        "N18.500",
        "A03",
        1,
        age=(30, 120),
        lv_min=2,
        chronic=True,
        med_type_14=True,
        pools=(
            P("003105000010000", 1, 1),
            P("HC00016", 1, 1),
            P("XW00120 ZC00019 ZC00007 ZC00006", 1, 2),
            P("002503000030000 002503000070000 002501000010000", 0, 1),
        ),
    ),
    Profile(
        "ch_hdf",
        "op",
        "N18.500",
        "A03",
        1,
        age=(30, 120),
        lv_min=2,
        chronic=True,
        med_type_14=True,
        pools=(P("003105000020000", 1, 1), P("HC00003", 1, 1), P("ZC00019", 0, 1)),
    ),
    Profile(
        "ch_cancer",
        "op",
        "C34.900",
        "A03",
        1,
        age=(40, 120),
        lv_min=2,
        chronic=True,
        med_type_14=True,
        pools=(P("XW00005", 1, 1), P("ZC00013", 0, 1)),
    ),
    Profile(
        "ch_psoriasis",
        "op",
        "L40.000",
        "A03",
        1,
        age=(18, 120),
        lv_min=2,
        chronic=True,
        pools=(P("XW00029", 1, 1),),
    ),
    Profile(
        "ch_transplant",
        "op",
        "Z94.000",
        "A03",
        1,
        age=(18, 120),
        lv_min=3,
        chronic=True,
        med_type_14=True,
        pools=(P("XW00024", 1, 1), P("ZC00007", 0, 1)),
    ),
    Profile(
        "ch_bph",
        "op",
        "N40.x00",
        "A04",
        2,
        gend="1",
        age=(50, 120),
        chronic=True,
        pools=(P("XW00114 XW00115", 1, 2),),
    ),
    Profile(
        "ch_osteo",
        "op",
        "M81.000",
        "A03",
        2,
        age=(51, 120),
        chronic=True,
        pools=(P("XW00118 XW00119", 1, 2),),
    ),
    Profile(
        "ch_tcm",
        "op",
        "R53.x00",
        "A50",
        2,
        age=(40, 120),
        chronic=True,
        pools=(P("ZC00025 ZC00006 XW00119", 1, 2),),
    ),
]

# What a chronic patient buys at a retail pharmacy (unrestricted items of the same regimen).
PHARMACY_ACUTE = [
    "ZC00015",
    "ZC00024",
    "ZC00017",
    "ZC00005",
    "ZC00016",
    "ZC00028",
    "ZC00023",
    "XW00104",
    "XW00105",
    "XW00106",
    "XW00107",
    "XW00108",
    "XW00110",
    "XW00111",
    "XW00127",
    "XW00128",
    "ZC00101",
    "ZC00102",
    "ZC00103",
]
PHARMACY_CHRONIC = [
    "XW00002",
    "XW00003",
    "XW00011",
    "XW00013",
    "XW00021",
    "XW00022",
    "XW00023",
    "XW00103",
    "XW00119",
    "XW00121",
    "ZC00001",
    "ZC00002",
    "ZC00003",
    "ZC00006",
    "ZC00021",
    "ZC00025",
    "ZC00026",
    "ZC00030",
]
# anonymous cash customers: OTC only, never a watchlist item
PHARMACY_CASH = ["XW00105", "XW00106", "XW00110", "XW00111", "XW00127", "ZC00101", "ZC00102", "ZC00103"]

D = "002501000010000 002503000010000 002503000030000 002503000050000 002502000010000 003102000010000"

IPT_PROFILES: list[Profile] = [
    Profile(
        "ipt_stroke",
        "ipt",
        "I63.900",
        "A03",
        8,
        age=(40, 120),
        lv_min=2,
        los=(7, 18),
        nursing="001202000010000",
        daily=P("XW00012 ZC00008 XW00027 ZC00022 ZC00027 ZC00020 ZC00009 XW00002 XW00010 XW00023", 2, 4),
        day0=P(D + " 002103000020000 002103000040000 002201000020000", 4, 7),
        procs=(Proc(3, ("004101000010000",), prob=0.5),),
    ),
    Profile(
        "ipt_ami_pci",
        "ipt",
        "I21.900",
        "A03",
        3,
        age=(40, 120),
        lv_min=3,
        los=(5, 10),
        nursing="001202000010000",
        daily=P("XW00123 XW00023 XW00010 XW00002 XW00022", 2, 4),
        day0=P(
            "002501000010000 002503000110000 002503000130000 002502000010000 003102000010000 002503000070000",
            4,
            6,
        ),
        procs=(
            Proc(1, ("003311000010000", "HC00028", "HC00009", "HC00006", "HC00025", "HC00023")),
            Proc(1, ("HC00014", "HC00018", "HC00027", "HC00007"), choose_one=True),
            Proc(1, ("HC00012",), prob=0.2),
            Proc(0, ("003102000030000",)),
            Proc(1, ("003102000030000",)),
        ),
    ),
    Profile(
        "ipt_chd_angio",
        "ipt",
        "I25.100",
        "A03",
        3,
        age=(40, 120),
        lv_min=2,
        los=(3, 6),
        daily=P("XW00023 XW00002 XW00010 XW00123", 1, 3),
        day0=P("002501000010000 002503000110000 002502000010000 003102000010000 002201000020000", 3, 5),
        procs=(Proc(1, ("003311000020000", "HC00028", "HC00025", "HC00009")),),
    ),
    Profile(
        "ipt_pneumonia",
        "ipt",
        "J18.900",
        "A03",
        8,
        age=(14, 120),
        lv_min=1,
        los=(5, 12),
        daily=P("XW00006 XW00008 XW00019 XW00020 XW00025 XW00028 XW00126", 1, 2),
        day0=P(
            "002103000030000 002501000010000 002504000010000 002503000010000 002503000030000 002503000150000",
            3,
            5,
        ),
        procs=(Proc(1, ("003101000040000",), cnt=(2,), prob=0.5),),
    ),
    Profile(
        "ipt_pneumonia_severe",
        "ipt",
        "J18.900",
        "A03",
        2,
        age=(40, 120),
        lv_min=2,
        los=(8, 15),
        nursing="001202000010000",
        daily=P("XW00016 ZC00104 XW00124", 2, 3),
        day0=P("002103000030000 002501000010000 002504000010000 002503000150000 002503000070000", 4, 5),
        procs=(Proc(0, ("003101000070000",), cnt=(8,)),),
    ),
    Profile(
        "ipt_child_pneumonia",
        "ipt",
        "J18.900",
        "A07",
        3,
        age=(1, 12),
        lv_min=1,
        los=(4, 8),
        daily=P("XW00019 XW00028 ZC00105", 1, 2),
        day0=P("002103000010000 002501000010000 002504000010000", 2, 3),
        procs=(Proc(1, ("003101000040000",), cnt=(2,)), Proc(2, ("XW00126",), cnt=(2,))),
    ),
    Profile(
        "ipt_copd",
        "ipt",
        "J44.100",
        "A03",
        4,
        age=(50, 120),
        lv_min=1,
        los=(7, 14),
        daily=P("XW00008 XW00126 XW00006", 1, 2),
        day0=P("002503000150000 002103000030000 002501000010000 002503000140000", 2, 4),
        procs=(Proc(0, ("003101000070000",), cnt=(12,)), Proc(1, ("003101000070000",), cnt=(8,))),
    ),
    Profile(
        "ipt_hf",
        "ipt",
        "I50.900",
        "A03",
        4,
        age=(50, 120),
        lv_min=1,
        los=(7, 14),
        nursing="001202000010000",
        daily=P("XW00122 ZC00029 XW00022", 2, 3),
        day0=P("002503000140000 002201000020000 002503000070000 002503000030000 003102000010000", 3, 5),
    ),
    Profile(
        "ipt_gallstone",
        "ipt",
        "K80.200",
        "A04",
        4,
        age=(18, 120),
        lv_min=2,
        los=(4, 8),
        daily=P("XW00019 XW00124", 1, 2),
        day0=P("002501000010000 002503000010000 002502000010000 002201000010000 003102000010000", 3, 5),
        procs=(
            Proc(1, ("003310000010000", "003301000010000", "HC00026", "HC00008")),
            Proc(1, ("XW00018",), cnt=(2,)),
            Proc(2, ("XW00018",), cnt=(1,)),
            Proc(1, ("HC00010",), prob=0.5),
        ),
    ),
    Profile(
        "ipt_gi_bleed",
        "ipt",
        "K92.200",
        "A03",
        2,
        age=(18, 120),
        lv_min=2,
        los=(5, 10),
        daily=P("XW00124 XW00030", 1, 2),
        day0=P("002501000010000 002502000010000 002503000010000", 2, 3),
        procs=(Proc(1, ("003317000010000", "HC00010")),),
    ),
    Profile(
        "ipt_cirrhosis",
        "ipt",
        "K74.600",
        "A03",
        2,
        age=(30, 120),
        lv_min=2,
        los=(7, 14),
        daily=P("XW00001 XW00122", 1, 2),
        day0=P("002503000010000 002502000010000 002201000010000 002501000010000", 3, 4),
    ),
    Profile(
        "ipt_hip",
        "ipt",
        "S72.000",
        "A04",
        2,
        age=(60, 120),
        lv_min=2,
        los=(10, 20),
        nursing="001202000010000",
        daily=P("XW00025 XW00123", 1, 2),
        day0=P("002103000010000 002501000010000 002502000010000 003102000010000", 3, 4),
        procs=(
            Proc(2, ("003312000020000", "003301000030000", "HC00015", "HC00008")),
            Proc(2, ("XW00018",), cnt=(2,)),
            Proc(3, ("XW00018",), cnt=(2,)),
        ),
    ),
    Profile(
        "ipt_turp",
        "ipt",
        "N40.x00",
        "A04",
        2,
        gend="1",
        age=(50, 120),
        lv_min=2,
        los=(5, 8),
        daily=P("XW00019 XW00114", 1, 2),
        day0=P("002504000020000 002201000030000 002501000010000 002502000010000", 3, 4),
        procs=(Proc(1, ("003313000010000", "003301000030000", "HC00020", "003101000090000", "HC00104")),),
    ),
    Profile(
        "ipt_delivery",
        "ipt",
        "O80.000",
        "A05",
        4,
        gend="2",
        age=(20, 42),
        lv_min=1,
        los=(2, 4),
        daily=P("XW00117", 1, 1),
        day0=P("002501000010000 002502000010000 002201000040000", 2, 3),
        procs=(Proc(0, ("003314000010000",)),),
    ),
    Profile(
        "ipt_lung_ca",
        "ipt",
        "C34.900",
        "A03",
        2,
        age=(40, 120),
        lv_min=2,
        los=(3, 7),
        daily=P("ZC00013 XW00124", 1, 2),
        day0=P("002103000030000 002501000010000 002503000010000 002503000030000", 3, 4),
        procs=(Proc(1, ("XW00004", "XW00129"), cnt=(3, 6)),),
    ),
    Profile(
        "ipt_breast_ca",
        "ipt",
        "C50.900",
        "A04",
        1,
        gend="2",
        age=(30, 120),
        lv_min=3,
        los=(3, 6),
        daily=P("XW00124", 1, 1),
        day0=P("002501000010000 002503000010000 002201000020000", 2, 3),
        procs=(Proc(1, ("XW00007", "XW00026"), cnt=(1, 1)),),
    ),
    Profile(
        "ipt_breast_biopsy",
        "ipt",
        "D24.x00",
        "A04",
        1,
        gend="2",
        age=(20, 120),
        lv_min=2,
        los=(2, 3),
        daily=P("XW00019", 1, 1),
        day0=P("002501000010000 002502000010000", 2, 2),
        procs=(Proc(1, ("003318000010000", "HC00021")),),
    ),
    Profile(
        "ipt_colorectal",
        "ipt",
        "C18.900",
        "A04",
        1,
        age=(40, 120),
        lv_min=3,
        los=(10, 18),
        nursing="001202000010000",
        daily=P("XW00019 XW00124", 2, 2),
        day0=P("002103000030000 002501000010000 002503000010000 002502000010000", 3, 4),
        procs=(
            Proc(2, ("003316000010000", "003301000010000", "HC00011", "HC00013", "HC00004", "HC00008")),
            Proc(2, ("XW00018",), cnt=(2,)),
            Proc(3, ("XW00018",), cnt=(2,)),
        ),
    ),
    Profile(
        "ipt_aneurysm",
        "ipt",
        "I67.100",
        "A03",
        1,
        age=(30, 120),
        lv_min=3,
        los=(10, 18),
        nursing="001202000010000",
        daily=P("XW00124 XW00101", 1, 1),
        day0=P("002103000020000 002501000010000 002502000010000", 3, 3),
        procs=(
            Proc(
                1,
                ("003315000010000", "003301000010000", "HC00005", "HC00025", "HC00028"),
                cnt=(1, 1, 3, 1, 1),
            ),
            Proc(1, ("HC00019", "HC00024"), choose_one=True),
        ),
    ),
    Profile(
        "ipt_pacemaker",
        "ipt",
        "I49.500",
        "A03",
        1,
        age=(50, 120),
        lv_min=3,
        los=(4, 8),
        daily=P("XW00019", 1, 1),
        day0=P("003102000010000 002501000010000 002502000010000 002201000020000", 3, 4),
        procs=(Proc(1, ("003311000040000", "HC00029", "HC00028")),),
    ),
    Profile(
        "ipt_ablation",
        "ipt",
        "I47.100",
        "A03",
        1,
        age=(18, 120),
        lv_min=3,
        los=(3, 6),
        daily=P("XW00123", 1, 1),
        day0=P("003102000010000 002501000010000 002502000010000", 3, 3),
        procs=(Proc(1, ("003311000060000", "HC00002", "HC00017", "HC00028")),),
    ),
    Profile(
        "ipt_ckd",
        "ipt",
        "N18.500",
        "A03",
        2,
        age=(30, 120),
        lv_min=2,
        los=(5, 10),
        daily=P("ZC00019 XW00102", 1, 2),
        day0=P("002503000030000 002503000070000 002501000010000", 3, 3),
        procs=(
            Proc(1, ("003105000030000", "HC00001")),
            Proc(1, ("XW00120",), cnt=(1,)),
            Proc(3, ("003105000020000", "HC00003"), prob=0.6),
            Proc(2, ("003105000040000", "HC00022"), prob=0.2),
        ),
    ),
    Profile(
        "ipt_dm",
        "ipt",
        "E11.600",
        "A03",
        3,
        age=(30, 120),
        lv_min=2,
        los=(7, 12),
        daily=P("XW00009 XW00017 XW00014", 1, 2),
        day0=P("002503000100000 002503000030000 002503000050000", 2, 3),
        procs=(
            Proc(0, ("002503000090000",), cnt=(4,)),
            Proc(1, ("002503000090000",), cnt=(4,)),
            Proc(2, ("002503000090000",), cnt=(4,)),
        ),
    ),
    Profile(
        "ipt_tcm_lumbar",
        "ipt",
        "M51.200",
        "A50",
        3,
        age=(25, 120),
        lv_min=1,
        los=(10, 20),
        anchors=("004101000010000", "004901000010000"),
        daily=P("YP00025 YP00019 YP00020 YP00003 YP00027 YP00005 YP00024 YP00002", 4, 6),
        day0=P("002501000010000 002103000010000", 1, 2),
        procs=(Proc(1, ("004101000020000",)), Proc(2, ("004101000020000",))),
    ),
    Profile(
        "ipt_vertigo",
        "ipt",
        "H81.100",
        "A03",
        2,
        age=(30, 120),
        lv_min=1,
        los=(5, 9),
        daily=P("XW00015 YP00012", 1, 2),
        day0=P("002103000020000 003102000010000 002501000010000", 2, 3),
    ),
]

BED_FEE = {3: "001103000020000", 2: "001103000010000", 1: "001103000010000"}
IPT_EXAM_FEE = "001102000030000"
OP_REG = ("001101000010000", "001102000010000")  # 挂号费 + 门诊诊查费 at levels 2/3
OP_GENERAL = "001101000020000"  # 一般诊疗费 at clinics and level-1 hospitals
DECOCTION = "004901000010000"
HERB_DOSES = 7  # 剂 per outpatient herbal prescription


def validate(pairs: list[tuple[str, str]], low_std_prefixes: list[str]) -> None:
    """Refuse a catalogue/profile set that would make the background break a rule by itself."""
    problems: list[str] = []
    pair_set = set(pairs)

    def codes_of(p: Profile) -> set[str]:
        out: set[str] = set()
        for pool in p.pools:
            out |= set(pool.codes)
        for pool in (p.daily, p.day0):
            if pool:
                out |= set(pool.codes)
        for pr in p.procs:
            out |= set(pr.codes)
        out |= set(p.anchors) if p.setting == "ipt" else set()
        return out

    for p in OP_PROFILES + CHRONIC_PROFILES + IPT_PROFILES:
        if p.dx not in DIAGNOSES:
            problems.append(f"{p.key}: unknown diagnosis {p.dx}")
        cs = codes_of(p)
        if p.setting == "ipt":
            cs |= {p.nursing, IPT_EXAM_FEE, *BED_FEE.values()}
        else:
            cs |= set(OP_REG) if p.lv_min >= 2 else set()
        for c in cs:
            if c not in BY_CODE:
                problems.append(f"{p.key}: unknown item {c}")
                continue
            it = BY_CODE[c]
            if it.case_only:
                problems.append(f"{p.key}: {c} is reserved for cases")
            if it.gend and it.gend != p.gend:
                problems.append(f"{p.key}: {c} is limited to sex {it.gend}")
            if it.age_min is not None and p.age[0] < it.age_min:
                problems.append(f"{p.key}: {c} needs age >= {it.age_min}")
            if it.age_max is not None and p.age[1] > it.age_max - 1:
                problems.append(f"{p.key}: {c} needs age <= {it.age_max} (profile keeps a year margin)")
            if it.dise and not any(p.dx.startswith(x) for x in it.dise.split(";")):
                problems.append(f"{p.key}: {c} needs a diagnosis in {it.dise}")
            if it.hosp_lv_min and p.lv_min < it.hosp_lv_min:
                problems.append(f"{p.key}: {c} needs hosp_lv >= {it.hosp_lv_min}")
            if it.ipt_only and p.setting != "ipt":
                problems.append(f"{p.key}: {c} is inpatient-only")
            if p.setting == "op" and it.is_drug and it.list_type == "101" and it.upd:
                days = it.pack * it.packs / it.upd
                limit = 30.5 if p.chronic and it.chronic else 10.5
                if days > limit:
                    problems.append(f"{p.key}: {c} supplies {days:.1f} days per purchase (> {limit})")
                if p.chronic != it.chronic and p.chronic:
                    problems.append(f"{p.key}: {c} in a chronic regimen must be a chronic item")
            if p.setting == "op" and not p.chronic and it.chronic and it.is_drug:
                problems.append(f"{p.key}: chronic item {c} in an acute profile")
        for a, b in pair_set:
            if a in cs and b in cs:
                problems.append(f"{p.key}: bills both {a} and {b} (rule_bundle_pairs)")
        if p.setting == "ipt" and any(p.dx.startswith(x) for x in low_std_prefixes):
            problems.append(f"{p.key}: inpatient main diagnosis {p.dx} is on rule_low_standard_dx")
        if p.setting == "ipt":
            for c in p.anchors:
                if BY_CODE[c].typ in ("01", "02", "07"):
                    problems.append(f"{p.key}: anchor {c} is not a treatment item")
    for c in PHARMACY_ACUTE + PHARMACY_CHRONIC + PHARMACY_CASH:
        it = BY_CODE[c]
        if it.restricted or it.case_only or not it.ph:
            problems.append(f"pharmacy item {c} must be unrestricted and marked ph")
        days = it.pack * it.packs / it.upd
        if days > (30.5 if c in PHARMACY_CHRONIC else 10.5):
            problems.append(f"pharmacy item {c} supplies {days:.1f} days per purchase")
        if (c in PHARMACY_CHRONIC) != it.chronic:
            problems.append(f"pharmacy item {c}: chronic flag and list disagree")
    if problems:
        raise ValueError("sample catalogue/profiles would break rules by themselves:\n  " + "\n  ".join(problems))
