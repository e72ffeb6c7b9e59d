"""The keyboard shortcuts' words, in Chinese and English (merged into
``transit.api.console.texts.TEXTS``). Texts hold no markup."""

from __future__ import annotations

ZH = {
    "skip_to_content": "跳到正文",
    "keys_hint": "快捷键 ?",
    "keys_hint_label": "显示键盘快捷键",
    "keys_title": "键盘快捷键",
    "keys_close": "关闭",
    "keys_group_go": "跳转（先按 g，再按字母）",
    "keys_group_page": "本页",
    "keys_group_list": "列表（告警、线路、草稿）",
    "keys_note": "在输入框中打字时快捷键不起作用；按 Esc 离开输入框。",
    "key_go_home": "首页",
    "key_find": "聚焦本页的搜索或第一个筛选框",
    "key_help": "显示本帮助",
    "key_escape": "关闭本帮助；离开输入框",
    "key_next": "下一行",
    "key_previous": "上一行",
    "key_open": "打开所选行（线路图、草稿）",
    "key_acknowledge": "确认所选告警：光标进入备注框，回车提交",
}

EN = {
    "skip_to_content": "Skip to content",
    "keys_hint": "Keys ?",
    "keys_hint_label": "Show the keyboard shortcuts",
    "keys_title": "Keyboard shortcuts",
    "keys_close": "Close",
    "keys_group_go": "Go to (g, then a letter)",
    "keys_group_page": "This page",
    "keys_group_list": "Lists (alarms, lines, drafts)",
    "keys_note": "Shortcuts do nothing while you type in a field; Esc leaves the field.",
    "key_go_home": "Home",
    "key_find": "Focus the page's search or first filter field",
    "key_help": "Show this help",
    "key_escape": "Close this help; leave a field",
    "key_next": "Next row",
    "key_previous": "Previous row",
    "key_open": "Open the chosen row (line ladder, draft)",
    "key_acknowledge": "Acknowledge the chosen alarm: the cursor goes to its note, Enter sends",
}
