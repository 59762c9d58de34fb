import { api, applyWords, eventName, fieldName, header, headerCell, nameOf, paragraph, showError, t, valueName, when } from '/ui/app.js';
import { commandForms } from '/ui/commands.js';
import { latestCheckpoint, pinnedVerifier, proofBetween } from '/ui/ledger.js';
import { verifyBundle, verifyExtends } from '/ui/verify.js';

// A case as the signed-in agency may see it: its summary, its timeline as one lane per agency, replayed to any
// revision or time, every event checked in this browser against the ledger's signed checkpoints.

const caseId = new URLSearchParams(location.search).get('id');
const agencies = new Map();
/** The signed-in agency. */
let me;
/** The case now: every event the agency may see, one lane per agency that appears in them. */
let latest;
let lanes = [];
/** The verdict of each revision, once the bundle is verified. */
let verdicts = new Map();

applyWords();

async function start() {
  me = await header();
  for (const agency of await api('/agencies')) agencies.set(agency.id, agency);
  if (!caseId) return askForCase();
  document.querySelector('#heading').textContent = t('case-heading', { caseId });
  setUpReplay();
  await load(new URLSearchParams(location.search).get('revision'));
}

/** The case as it stands (or at the revision asked for), the commands the agency may send, and the check of every event. */
async function load(asked = null) {
  const [timeline, summary] = await Promise.all([api(path('/timeline')), api(path(''))]);
  latest = timeline;
  lanes = lanesOf(timeline.events, summary.leadAgency);
  document.querySelector('#case').hidden = false;
  resetSlider();
  const index = asked === null ? -1 : latest.events.findIndex((e) => e.revision === Number(asked));
  if (index >= 0 && index < latest.events.length - 1) await showAt({ revision: latest.events[index].revision });
  else showNow(timeline, summary);
  await Promise.all([renderCommands(), verify()]);
}

function path(rest, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null));
  return `/cases/${encodeURIComponent(caseId)}${rest}${search.size ? `?${search}` : ''}`;
}

function askForCase() {
  const form = document.querySelector('#open-form');
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.assign(`/ui/case.html?id=${encodeURIComponent(document.querySelector('#open-id').value.trim())}`);
  });
}

// ---- replay ----

/** The slider steps through the events the agency may see: each step shows one more. */
function setUpReplay() {
  const slider = document.querySelector('#slider');
  slider.addEventListener('input', describeSlider);
  slider.addEventListener('change', () => {
    const index = Number(slider.value);
    showAt(index === latest.events.length - 1 ? {} : { revision: latest.events[index].revision }).catch(showError);
  });
  document.querySelector('#as-of-time').addEventListener('change', (event) => {
    const value = event.target.value;
    if (value) showAt({ asOf: new Date(value).toISOString() }).catch(showError);
  });
  document.querySelector('#as-of-now').addEventListener('click', () => showAt({}).catch(showError));
}

/** The slider over the events of the case now, at the last. */
function resetSlider() {
  const slider = document.querySelector('#slider');
  slider.max = String(Math.max(0, latest.events.length - 1));
  slider.value = slider.max;
  slider.disabled = latest.events.length === 0;
  describeSlider();
}

function describeSlider() {
  const slider = document.querySelector('#slider');
  const event = latest.events[Number(slider.value)];
  slider.setAttribute('aria-valuetext', event ? `${t('revision')} ${event.revision}: ${eventName(event.type)}` : t('no-events'));
}

/** The case as of a revision, or a time, or now (neither). */
async function showAt({ revision, asOf }) {
  const timeline = await api(path('/timeline', { revision, asOf }));
  const now = revision === undefined && asOf === undefined;
  const summary = await api(path('', now ? {} : { revision: timeline.revision })).catch(() => undefined);
  const shown = timeline.events.length;
  const slider = document.querySelector('#slider');
  slider.value = String(Math.max(0, shown - 1));
  describeSlider();
  if (!asOf) document.querySelector('#as-of-time').value = '';
  keepInUrl(now ? null : timeline.revision);
  render(timeline, summary, now ? null : timeline.revision);
}

function showNow(timeline, summary) {
  keepInUrl(null);
  render(timeline, summary, null);
}

/** The revision shown, in the address: a reload or a shared link shows the same point in the case. */
function keepInUrl(revision) {
  const url = new URL(location.href);
  if (revision === null) url.searchParams.delete('revision');
  else url.searchParams.set('revision', String(revision));
  history.replaceState(null, '', url);
}

// ---- what is shown ----

function render(timeline, summary, asOfRevision) {
  const last = timeline.events[timeline.events.length - 1];
  document.querySelector('#shown').textContent =
    asOfRevision === null
      ? t('shown-now', { revision: timeline.revision })
      : t('shown-as-of', { revision: asOfRevision, at: last ? when(last.recordedAt) : '—' });
  renderSummary(summary);
  renderTimeline(timeline.events);
}

/** The summary's fields as the API gives them, the common ones first and named. */
function renderSummary(summary) {
  const list = document.querySelector('#summary');
  list.replaceChildren();
  if (!summary) return list.append(term(t('no-events'), ''));
  const named = {
    status: t('status'),
    leadAgency: t('lead'),
    city: t('municipality'),
    subject: t('subject'),
    exploitation: t('exploitation'),
    victimStatus: t('victim-status'),
    openedAt: t('opened-at'),
    team: t('team'),
  };
  const shown = { ...summary, team: summary.team?.map((m) => `${agencyName(m.agencyId)}${m.partClosed ? ` (${t('part-closed')})` : ''}`).join('; ') };
  if (summary.openedAt) shown.openedAt = when(summary.openedAt);
  const rest = Object.keys(shown).filter((k) => !(k in named) && !['caseId', 'revision', 'access'].includes(k));
  for (const key of [...Object.keys(named).filter((k) => k in shown), ...rest]) list.append(...term(named[key] ?? fieldName(key), value(shown[key])));
}

/** Lanes: the lead agency's first, then every other in the order it first acts or is brought in. */
function lanesOf(events, lead) {
  const order = lead ? [lead] : [];
  const add = (id) => id && !order.includes(id) && order.push(id);
  for (const event of events) {
    const arrow = arrowOf(event);
    add(arrow ? arrow.from : event.agency);
    if (arrow) add(arrow.to);
  }
  return order;
}

/** A referral, its escalation or an agency brought in by another: an arrow from one lane to another. */
function arrowOf(event) {
  const d = event.data ?? {};
  const [from, to] =
    event.type === 'CaseReferred'
      ? [d.fromAgency, d.toAgency]
      : event.type === 'ReferralEscalated'
        ? [d.toAgency, d.coordinator]
        : event.type === 'AgencyJoinedCase'
          ? [d.addedBy, d.agencyId]
          : [];
  return from && to && from !== to ? { from, to } : undefined;
}

function renderTimeline(events) {
  const place = document.querySelector('#timeline');
  if (events.length === 0) {
    place.replaceChildren(paragraph(t('no-events')));
    return;
  }
  const table = document.createElement('table');
  table.className = 'swimlanes';
  const caption = table.createCaption();
  caption.textContent = t('timeline');
  const head = table.createTHead().insertRow();
  head.append(headerCell(t('revision'), 'col'));
  for (const lane of lanes) head.append(headerCell(agencyName(lane), 'col'));
  const body = table.createTBody();
  for (const event of events) {
    const row = body.insertRow();
    row.dataset.revision = String(event.revision);
    row.append(headerCell(String(event.revision), 'row'));
    const arrow = arrowOf(event);
    const from = lanes.indexOf(arrow ? arrow.from : event.agency);
    const to = arrow ? lanes.indexOf(arrow.to) : from;
    const [first, lastLane] = [Math.min(from, to), Math.max(from, to)];
    for (let lane = 0; lane < lanes.length; lane++) {
      if (lane < first || lane > lastLane) {
        row.insertCell();
        continue;
      }
      const cell = row.insertCell();
      cell.colSpan = lastLane - first + 1;
      cell.className = arrow ? `arrow ${to >= from ? 'rightwards' : 'leftwards'}` : 'event';
      cell.append(card(event, arrow));
      lane = lastLane;
    }
  }
  place.replaceChildren(table);
}

function card(event, arrow) {
  const box = document.createElement('article');
  box.className = 'event';
  box.dataset.revision = String(event.revision);
  box.dataset.type = event.type;
  const name = document.createElement('h3');
  name.textContent = eventName(event.type);
  box.append(name);
  if (arrow) box.append(paragraph(`${agencyName(arrow.from)} → ${agencyName(arrow.to)}`, 'direction'));
  box.append(mark(verdicts.get(event.revision)));
  const fields = document.createElement('dl');
  for (const [key, v] of Object.entries(event.data ?? {})) fields.append(...term(fieldName(key), value(v)));
  box.append(fields);
  if (event.withheldFields?.length) box.append(paragraph(t('withheld', { fields: event.withheldFields.map(fieldName).join(', ') }), 'withheld'));
  box.append(paragraph(`${agencies.has(event.agency) ? t('by-actor', { actor: event.actor }) : t('service')} · ${when(event.recordedAt)}`, 'meta'));
  return box;
}

function mark(verdict) {
  if (!verdict) return paragraph(t('not-checked'), 'mark');
  const text =
    verdict.status === 'failed' ? `✗ ${t('failed')}: ${verdict.problem}` : verdict.status === 'verified' ? `✓ ${t('verified')}` : `✓ ${t('proven-by-hash')}`;
  return paragraph(text, `mark ${verdict.status}`);
}

// ---- commands ----

async function renderCommands() {
  const place = document.querySelector('#commands');
  // Auditors read the record and act on none of it: there is nothing to ask the service.
  if (me.kind === 'auditor') return place.replaceChildren(paragraph(t('auditor-commands')));
  const recorded = async (message) => {
    await load();
    document.querySelector('#command-status').textContent = message;
  };
  place.replaceChildren(await commandForms(caseId, { describe, agencyName, recorded }));
}

/** What the ids of an offer name, as the timeline shows them: the referral's agencies, the evidence, the investigation. */
function describe(offer) {
  const { referralId, evidenceId, investigationId, agencyId } = offer.params;
  const opened = (type, key, id) => latest.events.find((e) => e.type === type && e.data?.[key] === id)?.data;
  if (referralId) {
    const referral = opened('CaseReferred', 'referralId', referralId);
    return referral ? `${agencyName(referral.fromAgency)} → ${agencyName(referral.toAgency)}` : referralId;
  }
  if (evidenceId) return opened('EvidenceRegistered', 'evidenceId', evidenceId)?.description ?? evidenceId;
  if (investigationId) return opened('InvestigationOpened', 'investigationId', investigationId)?.reference ?? investigationId;
  if (agencyId) return agencyName(agencyId);
  return '';
}

// ---- verification ----

/**
 * The case's audit bundle checked here: the ledger key pinned on first use, every event's hash and inclusion
 * proof against the bundle's signed checkpoint, and that checkpoint, the latest and the largest this browser has
 * seen before proven to be one growing log.
 */
async function verify() {
  const box = document.querySelector('#verification');
  try {
    const verifier = await pinnedVerifier();
    const bundle = await api(path('/audit-bundle'));
    const result = await verifyBundle(bundle, verifier);
    const newest = await latestCheckpoint(verifier);
    await verifyExtends(result.checkpoint, newest, proofBetween);
    verdicts = result.verdicts;
    const counts = { verified: 0, 'proven-by-hash': 0, failed: 0 };
    for (const verdict of verdicts.values()) counts[verdict.status]++;
    box.textContent = `${t('verification-summary', {
      verified: counts.verified,
      hashOnly: counts['proven-by-hash'],
      failed: counts.failed,
      size: result.checkpoint.size,
      origin: result.checkpoint.origin,
    })} ${t('consistent-with-latest', { latest: newest.size })}`;
    box.className = counts.failed ? 'failed' : 'verified';
    for (const box of document.querySelectorAll('article.event')) box.querySelector('.mark').replaceWith(mark(verdicts.get(Number(box.dataset.revision))));
  } catch (error) {
    box.textContent = t('verification-failed', { problem: error.message });
    box.className = 'failed';
  }
}

// ---- small things ----

function agencyName(id) {
  const agency = agencies.get(id);
  return agency ? nameOf(agency) : id === 'samverkan' ? t('service') : id;
}

/** A field's value as text: agencies by name, lists joined, records as key: value. */
function value(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return agencies.has(v) ? agencyName(v) : valueName(v);
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.map(value).join('; ');
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${fieldName(k)}: ${value(x)}`)
      .join(', ');
  return String(v);
}

function term(name, text) {
  const dt = document.createElement('dt');
  dt.textContent = name;
  const dd = document.createElement('dd');
  dd.textContent = text;
  return [dt, dd];
}

start().catch(showError);
