"""Sentiment lexicons and stop words for service comments, written for this product (no download at run time).

Weights are in −3…3. Chinese entries match as substrings, longest first, so a negative phrase that contains a
positive word (不满意 ⊃ 满意) wins; English entries match whole words, and a trailing `*` matches any ending.
"""

ZH_POSITIVE = {
    3: "非常满意 很满意 特别满意 五星 好评 点赞 超出预期 超出期望 超预期 太好了 非常棒 很棒 非常感谢 十分感谢",
    2: (
        "满意 专业 高效 及时 迅速 耐心 细致 认真 负责 周到 热情 准确 清晰 清楚 完整 到位 靠谱 放心 信赖 信任 "
        "感谢 谢谢 推荐 优秀 出色 棒 赞 愉快 顺畅 顺利 省心 贴心 友好 友善 礼貌 严谨 透彻 详实 详细 实用 "
        "有帮助 帮了大忙 很有价值 有价值 解决了 一次就 快速 很快 真快 准时 按时 守时 惊喜 用心 规范 值得 "
        "中肯 一针见血 可行 深入 丰富 主动 积极 合理 透明 稳定 方便 放心 认可 重视 默契 干净利落 彻底 "
        "一目了然 通俗易懂 熟练 经验丰富 有针对性 条理 重点突出 无可挑剔 没有什么可挑剔 没有任何问题 不错 挺好 "
        "很好 良好 好用 喜欢 成功 满分 有保障 满足"
    ),
    1: "好 快 可以 还行 尚可 还好",
}

ZH_NEGATIVE = {
    3: (
        "非常不满意 很不满意 太差 很差 极差 差劲 糟糕 恶劣 失望 垃圾 无法接受 不能接受 不会再 不推荐 "
        "错误百出 石沉大海 不了了之 一问三不知 浪费时间 完全没法用"
    ),
    2: (
        "不满意 太慢 很慢 慢 拖延 拖了 拖着 延期 延迟 延误 超时 耽误 等了 等待 等不起 没有回音 没回复 "
        "不回 不回复 打不通 联系不上 占线 错误 出错 有误 错了 搞错 算错 差错 错漏 漏掉 遗漏 漏看 缺少 缺了 "
        "不完整 不全 不准确 不准 不对 不符 不一致 矛盾 不专业 不耐烦 不耐心 不礼貌 冷淡 傲慢 敷衍 推脱 "
        "推卸 推来推去 转来转去 没人负责 没人管 没人处理 没有人 没人 不负责 不靠谱 不清楚 不清不楚 含糊 "
        "笼统 粗糙 马虎 不仔细 不够细心 不够 肤浅 太浅 毫无 没有价值 没有帮助 没法用 不可信 不可靠 不可行 "
        "站不住脚 误导 麻烦 很烦 繁琐 复杂 混乱 看不懂 答非所问 重复 反复 返工 重新 再次 又要 多次 好几次 "
        "三次 催 太贵 贵 多收 额外收费 不透明 性价比低 偏高 损失 风险没有 投诉 不好 一般 下降 差 "
        "效率低 效率太低 低下 不及时 不积极 迟钝 不熟练 不行 有待提高 需要提高 需要加强 希望改进 不到位 "
        "跟不上 没有落实 不落实 没有做到 没做到 丢失 复发 不守时 不尊重 不被重视 不解决 解决不了 没有解决 "
        "没解决 没有改善 没有进展 没有任何进展 影响 无所适从 不明确 没得到 前后 拖 烦 困难 低级 不稳定"
    ),
}

ZH_NEGATORS = ("不是", "没有", "不", "没", "未", "无", "别", "并非")

EN_POSITIVE = {
    3: (
        "excellent fantastic awesome wonderful outstanding superb brilliant perfect lovely love* amazing "
        "impressive* impressed delighted thrilled top-notch five-stars recommended highly-recommend*"
    ),
    2: (
        "great good happy pleased satisfied satisfying thank* thanks grateful appreciate* helpful professional "
        "efficient* quick* fast prompt* timely responsive friendly polite patient* careful* thorough* meticulous "
        "diligent accurate* clear* complete smooth* seamless reliable dependable trust* trustworthy valuable "
        "useful practical sensible workable expert* experienced knowledgeable praise well-done kept-informed "
        "on-time on-schedule solved resolved fixed recommend* pleasure pleasant enjoy* attentive considerate "
        "caring spot-on proactive* effortless convenient consistent safe honest fair deep nice beyond-expectations "
        "peace-of-mind better faster success* valued works-well well-written well-argued well-structured "
        "well-organised well-organized well-done in-depth plain-words"
    ),
    1: "ok okay fine decent ready informed",
}

EN_NEGATIVE = {
    3: (
        "terrible horrible awful dreadful disappointing disappointed disappointment useless worst unacceptable "
        "disaster* unusable rude arrogant incompetent unprofessional riddled black-hole waste-of-time "
        "not-work-with-you-again never-again overcharg*"
    ),
    2: (
        "bad poor slow* late delay* delayed waited waiting wait* unhappy unsatisfied dissatisfied frustrat* annoy* "
        "error* mistake* wrong incorrect inaccurate inconsistent incomplete missing missed lack* vague generic "
        "superficial shallow sloppy careless evasive impatient impolite cold ignored ignore* unanswered "
        "unreliable unresolved unsolved nobody no-one no-response chase* chasing chased pushed bounced "
        "passing-us-around passed-around transferred contradict* misled mislead* miscommunication confus* "
        "expensive overpriced hidden-fees fees painful* inefficient mess messy bureaucracy again-and-again "
        "three-times several-times redo rework revised complain* dropped dragging drag* "
        "hurting hurt cost-us trouble blame* brushed mediocre below-expectations barely not-up-to-standard "
        "disrupt* lost gaps rarely busy far-too way-too too-long too-much too-slow from-scratch "
        "start-from-scratch doubt* fail* failed broken worse"
    ),
}

EN_NEGATORS = ("not", "no", "never", "nothing", "without", "hardly", "isn't", "wasn't", "don't", "didn't", "doesn't",
               "aren't", "weren't", "can't", "couldn't", "won't", "nor")  # fmt: skip

EMOJI_POSITIVE = "👍😊🙂😀😃😄😁❤💯👏🎉🌟⭐😍🥰"
EMOJI_NEGATIVE = "👎😡😠😞🙁☹😤💔😢😭🤬😒"

EN_STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here hers him his
    how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your yours us
    got get let one two three time times last next this that still even ever much many every per via
    """.split()  # noqa: SIM905
)

ZH_STOP_WORDS = frozenset(
    """的 了 是 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 就 都 也 还 又 在 有 和 与 及 对 把 被 让 给 从 到 向
    很 非常 太 特别 十分 比较 一个 一些 什么 怎么 没有 不 没 吗 呢 吧 啊 呀 哦 嗯 之 于 以 为 所 而 且 但 但是 如果
    因为 所以 然后 已经 可以 能 会 要 想 说 看 做 次 个 些 下 上 中 里 后 前 时 时候 现在 一直 每次 这次 上次
    """.split()  # noqa: SIM905
)
