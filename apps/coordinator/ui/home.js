import { applyWords, header, showError, t } from '/ui/app.js';

/** The pages there are, and the agency kinds each is for (the API refuses the others anyway). */
const PAGES = [
  // Auditors are on no team: the API refuses them a worklist.
  { href: '/ui/worklist.html', text: 'worklist', for: (kind) => kind !== 'auditor' },
  { href: '/ui/case.html', text: 'open-case', for: () => true },
  { href: '/ui/audit.html', text: 'audit', for: (kind) => kind === 'auditor' },
  { href: '/ui/statistics.html', text: 'statistics', for: (kind) => kind === 'coordinator' || kind === 'auditor' },
];

applyWords();
header()
  .then((me) => {
    const list = document.querySelector('#pages');
    for (const page of PAGES.filter((p) => p.for(me.kind))) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = page.href;
      link.textContent = t(page.text);
      item.append(link);
      list.append(item);
    }
    if (list.children.length === 0) list.insertAdjacentText('afterend', t('no-pages'));
  })
  .catch(showError);
