// markdown.js: renders the Markdown of a recap (from the built-in
// summariser or a model, so untrusted) as DOM nodes. Only a small subset
// is understood: headings, bullet and numbered lists, paragraphs, **bold**,
// *italic* / _italic_, `code` and [links](https://...) whose address is
// http or https. Every piece of text goes in through text nodes, never as
// HTML, so markup in the text shows as text; a link to any other scheme
// (javascript:, data:, ...) shows as its text without a link.

import { el } from './ui.js';

/** The inline forms, tried at each position: code, link, bold, italic. */
const INLINE = /`([^`]+)`|\[([^\]]+)\]\(([^()\s]+)\)|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s](?:[^*]*[^*\s])?)\*|\b_([^_\s](?:[^_]*[^_\s])?)_\b/g;

/** safeURL returns the address when it is an absolute http(s) URL, else null. */
export function safeURL(href) {
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** inline returns the nodes of one line's text with its emphasis, code and links. */
export function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const [, code, label, href, bold1, bold2, em1, em2] = m;
    if (code !== undefined) {
      out.push(el('code', {}, code));
    } else if (label !== undefined) {
      const url = safeURL(href);
      out.push(url ? el('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, ...inline(label)) : m[0]);
    } else if (bold1 !== undefined || bold2 !== undefined) {
      out.push(el('strong', {}, ...inline(bold1 ?? bold2)));
    } else {
      out.push(el('em', {}, ...inline(em1 ?? em2)));
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

/**
 * render returns a fragment of the Markdown text's blocks. Headings
 * become h3 to h6 (the page's own h1 and h2 sit above), so the outline of
 * the page stays in order.
 */
export function render(text) {
  const frag = document.createDocumentFragment();
  let list = null; // the <ul> or <ol> being filled
  let para = null; // the lines of the paragraph being read
  const endPara = () => {
    if (para) frag.append(el('p', {}, ...inline(para.join(' '))));
    para = null;
  };
  for (const line of text.split(/\r?\n/)) {
    let m;
    if (!line.trim()) {
      endPara();
      list = null;
    } else if ((m = HEADING.exec(line))) {
      endPara();
      list = null;
      frag.append(el(`h${Math.min(m[1].length + 2, 6)}`, {}, ...inline(m[2])));
    } else if ((m = BULLET.exec(line)) || (m = NUMBERED.exec(line))) {
      endPara();
      const tag = BULLET.test(line) ? 'ul' : 'ol';
      if (list?.tagName.toLowerCase() !== tag) {
        list = el(tag);
        frag.append(list);
      }
      list.append(el('li', {}, ...inline(m[1])));
    } else if (list && /^\s{2,}\S/.test(line)) {
      list.lastElementChild.append(' ', ...inline(line.trim())); // a bullet's wrapped line
    } else {
      list = null;
      (para ??= []).push(line.trim());
    }
  }
  endPara();
  return frag;
}
