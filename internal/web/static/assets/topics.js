// topics.js: what a recap was written from. The server's topics frame
// ({"topics": [...]}, asked for with "topics": true) ties each bullet of
// the built-in summariser to its topic: a merged branch, pull request,
// subsystem cluster, commit or issue, with its commits. Each such bullet
// gets a "Sources" button and a popover shown while the bullet is hovered
// or has keyboard focus (Escape hides it; the button pins it open). When
// a model wrote the recap no topic names a bullet, and the topics are
// listed as a whole below it, tied to none. Every string from the server
// goes in as text; only http(s) addresses become links.

import { safeURL } from './markdown.js';
import { el, fmtNum, plural } from './ui.js';

/** What each kind of topic is called. */
const KINDS = {
  branch: 'Merged branch', pull_request: 'Pull request', subsystem: 'Subsystem', commit: 'Commit', issue: 'Issue',
};

/** link is a link to url when it is http(s), else the text alone. */
function link(url, ...children) {
  const href = safeURL(url || '');
  return href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank' }, ...children) : el('span', {}, ...children);
}

/** lines says "+12 −4 lines" of a topic or commit. */
const lines = (add, del) => `+${fmtNum(add)} −${fmtNum(del)} ${add + del === 1 ? 'line' : 'lines'}`;

/** topicBody returns the nodes that describe topic t: what it is, its title, its size and its commits. */
function topicBody(t) {
  let name = KINDS[t.kind] || t.kind;
  if (t.number) name += ` #${t.number}`;
  if (t.kind === 'branch' && t.branch) name += ` ${t.branch}`;
  if (t.kind === 'subsystem' && t.subsystem) name += ` ${t.subsystem}`;
  if (t.repo) name += ` in ${t.repo}`;
  const size = [];
  if (t.kind !== 'issue') size.push(plural(t.commits.length, 'commit'));
  if (t.additions || t.deletions) size.push(lines(t.additions, t.deletions));
  if (t.files) size.push(plural(t.files, 'file'));
  const commits = t.commits.map((c) => el('li', {},
    c.sha ? link(c.url, el('code', {}, c.sha.slice(0, 10))) : null, c.sha ? ' ' : null,
    el('span', { class: 'subject' }, c.subject),
    c.additions || c.deletions ? el('span', { class: 'size' }, ` (${lines(c.additions, c.deletions)})`) : null));
  return [
    el('p', { class: 'topic-name' }, link(t.url, name)),
    el('p', { class: 'topic-title' }, t.title),
    size.length ? el('p', { class: 'topic-size' }, size.join(' · ')) : null,
    commits.length ? el('ul', { class: 'topic-commits' }, ...commits) : null,
  ];
}

/** hide closes every open popover but keep's (Escape, or another one opened). */
function hideOthers(container, keep) {
  for (const li of container.querySelectorAll('li.has-topic')) {
    if (li === keep) continue;
    li.classList.remove('pinned');
    li.querySelector('.topic-toggle').setAttribute('aria-expanded', 'false');
  }
}

/** decorate gives bullet li (the n-th) its topic's button and popover. */
function decorate(container, li, t, n) {
  const id = `topic-${n}`;
  const toggle = el('button', { type: 'button', class: 'topic-toggle', 'aria-expanded': 'false', 'aria-controls': id }, 'Sources',
    el('span', { class: 'sr' }, ` of bullet ${n}`));
  const pop = el('div', { id, class: 'topic-pop', role: 'group', 'aria-label': `What bullet ${n} was written from`, tabindex: '-1' }, ...topicBody(t));
  li.classList.add('has-topic');
  li.append(' ', toggle, pop);
  toggle.addEventListener('click', () => {
    const open = !li.classList.contains('pinned');
    hideOthers(container, li);
    li.classList.toggle('pinned', open);
    li.classList.remove('dismissed');
    toggle.setAttribute('aria-expanded', String(open));
  });
  // Escape hides it until the pointer or focus comes back (WCAG 1.4.13).
  li.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    li.classList.add('dismissed');
    li.classList.remove('pinned');
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  });
  for (const ev of ['pointerleave', 'focusout']) {
    li.addEventListener(ev, (e) => {
      if (ev === 'focusout' && li.contains(e.relatedTarget)) return;
      li.classList.remove('dismissed');
    });
  }
}

/**
 * attach shows topics (the topics frame) on the recap rendered in
 * container from text. Topics with a bullet go to that bullet, and only
 * when the rendered bullets are exactly the text's lines starting with
 * "- " (so a bullet cannot be mistaken for another); topics without one
 * (a model's recap) are listed as a whole below it.
 */
export function attach(container, text, topics) {
  if (!Array.isArray(topics) || topics.length === 0) return;
  const tied = topics.filter((t) => t.bullet > 0);
  if (tied.length === 0) {
    container.append(el('details', { class: 'topics-all' },
      el('summary', {}, `What this was written from: ${plural(topics.length, 'topic')} (the model's bullets are its own)`),
      el('ul', {}, ...topics.map((t) => el('li', {}, ...topicBody(t))))));
    return;
  }
  const bullets = [...container.querySelectorAll(':scope > ul > li')];
  const dashes = text.split(/\r?\n/).filter((l) => l.startsWith('- ')).length;
  if (bullets.length !== dashes) return;
  for (const t of tied) {
    if (t.bullet <= bullets.length) decorate(container, bullets[t.bullet - 1], t, t.bullet);
  }
}
