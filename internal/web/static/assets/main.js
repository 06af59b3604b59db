// main.js: the dashboard's entry point: tab switching and the two views.
import * as analytics from './analytics.js';
import * as recap from './recap.js';
import { $, clearError } from './ui.js';

const TABS = ['analytics', 'recap'];

function select(name) {
  for (const t of TABS) {
    const on = t === name;
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
    $(`tab-${t}`).tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  clearError();
}

for (const [i, t] of TABS.entries()) {
  $(`tab-${t}`).addEventListener('click', () => select(t));
  $(`tab-${t}`).addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
    select(next);
    $(`tab-${next}`).focus();
  });
}
analytics.init();
if (recap.init()) select('recap');
