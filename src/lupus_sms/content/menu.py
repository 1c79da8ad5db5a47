"""MENU, paged: the topic list in pages that each fit the menu page limit.

Twelve topics with their titles take four segments in one text; paged, each text stays
within `limits.SEGMENT_LIMITS["menu_page"]` and MORE sends the next page, like a topic. The
`menu` message is a template around `{topics}`: what comes before it opens the first page,
what comes after it closes the last one, and every other page ends with the MORE marker.
"""

from __future__ import annotations

from lupus_sms.content.limits import limit
from lupus_sms.content.segments import analyze

# The conversation's "topic" while a number pages through the menu (never a topic key:
# those are small letters, digits and _ only).
MENU_KEY = ":menu"
# Pages are packed with a two-digit marker, so a page never grows when its number does.
_WIDEST = "10"


def menu_pages(
    template: str, lines: list[str], *, more_marker: str, program_name: str
) -> list[str]:
    """The pages of the menu, in order; a single page when everything fits in one."""
    head, _, tail = template.partition("{topics}")
    head = head.format(program_name=program_name)
    tail = tail.format(program_name=program_name)
    whole = head + "\n".join(lines) + tail
    if fits(whole):
        return [whole]
    groups = _pack(head, lines, tail, more_marker.format(part=_WIDEST, total=_WIDEST))
    total = len(groups)
    pages = []
    for number, group in enumerate(groups, start=1):
        text = (head if number == 1 else "") + "\n".join(group)
        if number < total:
            text += more_marker.format(part=number, total=total)
        else:
            text += tail
        pages.append(text)
    return pages


def fits(text: str) -> bool:
    return analyze(text).segments <= limit("menu_page")


def _pack(head: str, lines: list[str], tail: str, marker: str) -> list[list[str]]:
    """Greedy: as many lines as fit on each page; the last page must also hold the tail."""
    groups: list[list[str]] = [[]]
    for line in lines:
        candidate = groups[-1] + [line]
        if groups[-1] and not fits(_opening(head, groups) + "\n".join(candidate) + marker):
            groups.append([line])
        else:
            groups[-1] = candidate
    while len(groups[-1]) > 1 and not fits(_opening(head, groups) + "\n".join(groups[-1]) + tail):
        groups.append([groups[-1].pop()])
    return groups


def _opening(head: str, groups: list[list[str]]) -> str:
    return head if len(groups) == 1 else ""


def menu_problems(pages: list[str]) -> list[str]:
    allowed = limit("menu_page")
    return [
        f"menu page {number}: {info.segments} segments, at most {allowed} (shorten a title)"
        for number, page in enumerate(pages, start=1)
        if (info := analyze(page)).segments > allowed
    ]
