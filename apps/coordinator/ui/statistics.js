import { api, applyWords, header, showError, t } from '/ui/app.js';

/** Each table's title, in English and Swedish. */
const TITLES = {
  individualsByGroup: ['People met, by group and age', 'Personer i kontakt, efter grupp och ålder'],
  individualsByContact: ['People met, by group and how they came into contact', 'Personer i kontakt, efter grupp och kontaktväg'],
  individualsByMunicipality: ['People met, by municipality', 'Personer i kontakt, efter kommun'],
  victimsByAgeAndGender: ['Victims by age and gender', 'Brottsoffer efter ålder och kön'],
  victimsByOriginAndAge: ['Victims by region of origin and age', 'Brottsoffer efter ursprungsregion och ålder'],
  victimsByCountry: ['Victims by country of origin', 'Brottsoffer efter ursprungsland'],
  victimsByExploitationAndAge: ['Victims by form of exploitation and age', 'Brottsoffer efter exploateringsform och ålder'],
  victimsBySupport: ['Support given to victims, by kind', 'Stöd till brottsoffer, efter slag'],
  cooperationBySupport: [
    'Cooperation with law enforcement, with and without protection or support',
    'Samarbete med rättsväsendet, med och utan skydd eller stöd',
  ],
  investigationsByOutcome: ['Investigations by outcome', 'Förundersökningar efter utfall'],
  prosecutions: ['Prosecutions by number of defendants', 'Åtal efter antal tilltalade'],
  defendants: ['Defendants prosecuted', 'Åtalade personer'],
  judgmentsByOffence: ['Judgments per defendant, by offence and verdict', 'Domar per tilltalad, efter brott och utgång'],
  residence: ['Reflection periods and residence permits', 'Betänketid och uppehållstillstånd'],
};

const title = (name) => (TITLES[name] ?? [name, name])[document.documentElement.lang === 'sv' ? 1 : 0];
/** Colours for the columns, told apart by more than hue (the table says the same in words). */
const COLOURS = ['#0b4f9c', '#b35900', '#2e7d32', '#6a1b9a', '#4d4d4d', '#00838f'];

applyWords();
const charts = [];

async function start() {
  const me = await header();
  if (!['coordinator', 'auditor'].includes(me.kind)) {
    document.querySelector('#note').textContent = t('not-for-you');
    document.querySelector('#query').hidden = true;
    return;
  }
  const year = document.querySelector('#year');
  const params = new URLSearchParams(location.search);
  year.value = params.get('year') ?? String(new Date().getFullYear());
  const region = document.querySelector('#region');
  const regions = [...new Set((await api('/agencies/municipalities')).map((m) => m.region))].sort();
  region.append(new Option(t('country'), ''), ...regions.map((r) => new Option(r, r)));
  region.value = params.get('region') ?? '';
  document.querySelector('#query').addEventListener('submit', (event) => {
    event.preventDefault();
    show(year.value, region.value).catch(showError);
  });
  await show(year.value, region.value);
}

async function show(year, region) {
  const query = new URLSearchParams({ year, ...(region ? { region } : {}) });
  history.replaceState(null, '', `?${query}`);
  const statistics = await api(`/statistics?${query}`);
  document.querySelector('#note').textContent = t('statistics-note', { threshold: statistics.threshold });
  for (const chart of charts.splice(0)) chart.destroy();
  const figures = document.querySelector('#figures');
  figures.replaceChildren(
    figuresSection(statistics),
    ...Object.entries(statistics.tables).map(([name, table]) => tableSection(name, table, statistics.threshold)),
  );
}

function figuresSection({ figures }) {
  const section = document.createElement('section');
  const heading = document.createElement('h2');
  heading.textContent = t('figures');
  const list = document.createElement('dl');
  const shown = (value) => (value === 'suppressed' ? t('suppressed') : value);
  const percent = (value) => (value === 'suppressed' ? t('suppressed') : `${Math.round(value * 100)} %`);
  const months =
    figures.prisonMonths === 'suppressed'
      ? t('suppressed')
      : `${figures.prisonMonths.median} (${figures.prisonMonths.min}–${figures.prisonMonths.max}), n = ${figures.prisonMonths.n}`;
  const days =
    figures.investigationDaysToOutcome === 'suppressed'
      ? t('suppressed')
      : `${shown(figures.investigationDaysToOutcome.median)}, n = ${figures.investigationDaysToOutcome.n}`;
  for (const [term, value] of [
    ['cooperation-supported', percent(figures.cooperationRate.supported)],
    ['cooperation-not-supported', percent(figures.cooperationRate.notSupported)],
    ['investigation-days', days],
    ['prison-months', months],
  ]) {
    const dt = document.createElement('dt');
    dt.textContent = t(term);
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
  section.append(heading, list);
  return section;
}

function tableSection(name, table, threshold) {
  const section = document.createElement('section');
  section.id = name;
  const heading = document.createElement('h2');
  heading.id = `${name}-title`;
  heading.textContent = title(name);
  const frame = document.createElement('div');
  frame.className = 'chart';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('chart-label', { table: title(name) }));
  frame.append(canvas);
  section.append(heading, frame, numbers(name, table, threshold));
  charts.push(
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: table.rows,
        // A suppressed count is no bar (null), never a zero.
        datasets: table.columns.map((column, c) => ({
          label: column,
          data: table.cells.map((row) => (row[c] === 'suppressed' ? null : row[c])),
          backgroundColor: COLOURS[c % COLOURS.length],
        })),
      },
      options: { animation: false, maintainAspectRatio: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
  return section;
}

/** The table's numbers, every one of them, with its totals; a suppressed count says so. */
function numbers(name, table, threshold) {
  const element = document.createElement('table');
  element.setAttribute('aria-labelledby', `${name}-title`);
  const cell = (tag, value, scope) => {
    const c = document.createElement(tag);
    if (scope) c.scope = scope;
    if (value === 'suppressed') {
      c.className = 'suppressed';
      c.textContent = t('suppressed');
      c.title = t('suppressed-title', { threshold });
    } else c.textContent = String(value);
    return c;
  };
  const head = element.createTHead().insertRow();
  head.append(cell('td', ''), ...table.columns.map((column) => cell('th', column, 'col')), cell('th', t('total'), 'col'));
  const body = element.createTBody();
  table.rows.forEach((row, r) => body.insertRow().append(cell('th', row, 'row'), ...table.cells[r].map((v) => cell('td', v)), cell('td', table.rowTotals[r])));
  body.insertRow().append(cell('th', t('total'), 'row'), ...table.columnTotals.map((v) => cell('td', v)), cell('td', table.total));
  return element;
}

start().catch(showError);
