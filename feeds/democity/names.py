"""Chinese stop names: landmarks, street intersections, villages on the roads, sites."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from feeds.democity.geography import DISTRICTS, PlaceKind, StreetNetwork, centre_node


class StopKind(Enum):
    CENTRE = "centre"
    STATION = "station"
    HOSPITAL = "hospital"
    SCHOOL = "school"
    MARKET = "market"
    PARK = "park"
    SITE = "site"
    STREET = "street"
    VILLAGE = "village"


@dataclass(frozen=True)
class StopName:
    name: str
    kind: StopKind


_C, _T, _H, _S, _M, _P = StopKind.CENTRE, StopKind.STATION, StopKind.HOSPITAL, StopKind.SCHOOL, StopKind.MARKET, StopKind.PARK

# Per district; the first entry goes to the stop nearest the district seat.
LANDMARKS: dict[str, tuple[tuple[str, StopKind], ...]] = {
    "wangyi": (("王益区政府", _C), ("王益汽车站", _T), ("铜川火车站", _T), ("市人民医院", _H), ("矿务局中心医院", _H),
               ("铜川市第一中学", _S), ("王益中学", _S), ("红旗街十字", _M), ("王家河市场", _M), ("人民公园", _P)),
    "yintai": (("印台区政府", _C), ("印台汽车站", _T), ("印台区医院", _H), ("印台中学", _S), ("城关市场", _M), ("印台公园", _P)),
    "yaozhou": (("耀州区政府", _C), ("耀州汽车站", _T), ("耀州区人民医院", _H), ("耀州区中医医院", _H), ("耀州中学", _S),
                ("北关市场", _M), ("耀州窑博物馆", _P)),
    "xinqu": (("新区管委会", _C), ("新区客运站", _T), ("市中医医院", _H), ("铜川职业技术学院", _S), ("新区实验中学", _S),
              ("正阳商业广场", _M), ("市民广场", _P), ("新区体育馆", _P)),
    "huangbao": (("黄堡镇政府", _C), ("黄堡卫生院", _H), ("黄堡中学", _S)),
}

SITE_NAMES = {"zhaojin": "照金纪念馆", "yaowangshan": "药王山景区", "yuhua": "玉华宫景区", "chenlu": "陈炉古镇"}

LANDMARK_KINDS: dict[str, StopKind] = {name: kind for entries in LANDMARKS.values() for name, kind in entries} | {
    name: StopKind.SITE for name in SITE_NAMES.values()
}

# Two-character street stems; each is used by one street of the city only, so every
# intersection name is unique.
_STREET_STEMS = (
    "红旗 正阳 新华 人民 建设 解放 和平 胜利 友谊 团结 光明 朝阳 长虹 文化 育才 青年 幸福 安康 咸丙 华原 "
    "阳光 长丰 锦阳 正大 川口 漆水 沮河 桃园 金谷 玉皇 北关 南关 东关 西关 七一 五一 新兴 振兴 复兴 前进 "
    "兴业 惠民 永安 长安 秦岭 渭北 秦川 东风 西城 南苑 北苑 金华 银杏 槐树 柳林 桑园 杏林 梨园 书院 学府 "
    "同官 宜君 铜兴 矿山 煤城 电厂 陶瓷 瓷都 黄河 渭河 泾河 延安 榆林 宝鸡 咸阳 汉中 商洛 富平 三原 淳化 "
    "旬邑 彬州 府前 府东 府西 新村 新城 新民 新苑 新桥 桥东 桥西 河东 河西 山前 山后 塬上 坡头 龙山 凤凰 "
    "麒麟 鹤鸣 翠屏 锦绣 金岭 银河 星火 曙光 红星 红光 向阳 东方 天宝 宝塔 枣园 梅园 兰亭 竹园 松柏 丰收 "
    "纬一 纬二 纬三 经一 经二 经三 神木 华山 太白 终南 骊山 香山"
).split()
_VILLAGE_PREFIXES = "东 西 南 北 上 下 前 后 王 李 张 高 马 柳 杨 孙 赵 庙 石 寨".split()
_VILLAGE_SUFFIXES = "家沟 家河 家塬 家庄 家坡 村 堡 湾 峪 沟口".split()


def name_stops(net: StreetNetwork, stops: frozenset[int], rng: random.Random) -> dict[int, StopName]:
    """A unique name for every stop node."""
    names: dict[int, StopName] = {}
    stems = list(_STREET_STEMS)
    rng.shuffle(stems)
    for d in DISTRICTS:
        cols = [stems.pop() + "街" for _ in range(d.cols)]
        rows = [stems.pop() + "路" for _ in range(d.rows)]
        grid_stops = sorted(n for n in stops if net.nodes[n].district == d.key and net.nodes[n].kind is PlaceKind.GRID)
        for n in grid_stops:
            names[n] = StopName(f"{cols[net.nodes[n].col]}{rows[net.nodes[n].row]}口", StopKind.STREET)
        # Landmarks sit on stops near the district seat, the seat's own landmark nearest it.
        seat = net.nodes[centre_node(net, d.key)]
        by_distance = sorted(grid_stops, key=lambda n: (net.nodes[n].x - seat.x) ** 2 + (net.nodes[n].y - seat.y) ** 2)
        centre, *others = LANDMARKS[d.key]
        names[by_distance[0]] = StopName(*centre)
        for node, landmark in zip(rng.sample(by_distance[1 : 4 * len(others)], len(others)), others):
            names[node] = StopName(*landmark)
    villages = [p + s for p in _VILLAGE_PREFIXES for s in _VILLAGE_SUFFIXES]
    rng.shuffle(villages)
    for n in sorted(stops):
        node = net.nodes[n]
        if node.kind is PlaceKind.ROAD:
            names[n] = StopName(villages.pop(), StopKind.VILLAGE)
        elif node.kind is PlaceKind.SITE:
            names[n] = StopName(SITE_NAMES[node.district], StopKind.SITE)
    return names
