"""The JS and CSS of the sources and article panels, which act on ``bot.render``'s markup."""

from __future__ import annotations

from bot.render import MARK_ID

SOURCES_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-cite]');
  if (button) trigger('click', {cite: Number(button.dataset.cite)});
});
"""
# Runs after each re-render of the article panel: scroll the panel to the highlighted span
# (a third from its top), then the page only as much as needed to show it.
ARTICLE_JS = f"""
watch('value', () => {{
  const mark = element.querySelector('#{MARK_ID}');
  if (!mark) return;
  let box = element.parentElement;
  while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowY)) {{
    box = box.parentElement;
  }}
  if (box) {{
    const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += offset - box.clientHeight / 3;
  }}
  mark.scrollIntoView({{block: 'nearest', behavior: 'instant'}});
}});
"""
SOURCES_CSS = """
h3 { margin: 0 0 .5em; font-size: 1.05em; }
ol.sources { list-style: none; padding: 0; margin: 0; }
li.source { border: 1px solid var(--border-color-primary); border-radius: 8px;
            padding: .6em .8em; margin-bottom: .6em; }
.cite-id { font-weight: 700; }
.quote { font-style: italic; }
.meta { color: var(--body-text-color-subdued); font-size: .85em; margin: .3em 0; }
.show-source { cursor: pointer; font-size: .85rem; font-weight: 600; padding: .2em .7em;
               border: 1px solid var(--border-color-accent); border-radius: 6px;
               background: var(--button-secondary-background-fill); }
.empty { color: var(--body-text-color-subdued); }
"""
ARTICLE_CSS = """
.article { white-space: pre-wrap; line-height: 1.55; }
mark { background: #ffe066; color: #111; padding: 0 .1em; border-radius: 3px;
       outline: 2px solid #f59f00; }
"""
