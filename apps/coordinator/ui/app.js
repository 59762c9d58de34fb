// What every page shares: the signed-in person's token, the API called with it, and the words in Swedish and English.

const TOKEN = 'samverkan.token';
const LANGUAGE = 'samverkan.language';

const WORDS = {
  en: {
    'sign-in': 'Sign in',
    'sign-out': 'Sign out',
    'dev-heading': 'Development service: sign in as an agency officer',
    'dev-note': "This service signs tokens with development keys. Pick an agency and an officer; the pages then show what the API shows that agency.",
    agency: 'Agency',
    officer: 'Officer',
    'token-heading': "Sign in with your agency's token",
    token: 'Token (JWT)',
    'signed-in-as': 'Signed in as',
    pages: 'Pages',
    statistics: "The year's figures",
    'statistics-note': 'Counts of fewer than {threshold} people, and counts that would give them away, are suppressed.',
    year: 'Year',
    region: 'Region',
    country: 'The whole country',
    show: 'Show',
    suppressed: 'suppressed',
    'suppressed-title': 'suppressed: fewer than {threshold} people, or a count that would give such a one away',
    total: 'Total',
    figures: 'Figures',
    'chart-label': 'Chart of {table}; the numbers are in the table below it.',
    'cooperation-supported': 'Victims who cooperated, of those who received protection or support',
    'cooperation-not-supported': 'Victims who cooperated, of those who did not',
    'investigation-days': 'Median days from an investigation opening to its outcome',
    'prison-months': 'Prison months per convicted defendant: median (range)',
    'not-for-you': 'The figures are for coordinators and auditors.',
    'no-pages': 'No pages for your agency yet.',
    error: 'Something went wrong',
    worklist: 'Worklist',
    awaiting: 'Referrals awaiting your answer',
    escalated: 'Unanswered referrals escalated to you',
    'your-cases': "Your agency's cases",
    none: 'None.',
    case: 'Case',
    status: 'Status',
    municipality: 'Municipality',
    from: 'From',
    urgency: 'Urgency',
    subject: 'Person',
    reason: 'Reason',
    'due-by': 'Answer due by',
    overdue: 'overdue',
    answer: 'Answer',
    accept: 'Accept',
    decline: 'Decline',
    'decline-reason': 'Reason for declining',
    accepted: 'Referral of case {caseId} accepted.',
    declined: 'Referral of case {caseId} declined.',
    language: 'På svenska',
  },
  sv: {
    'sign-in': 'Logga in',
    'sign-out': 'Logga ut',
    'dev-heading': 'Utvecklingstjänst: logga in som handläggare på en myndighet',
    'dev-note': 'Tjänsten signerar med utvecklingsnycklar. Välj myndighet och handläggare; sidorna visar sedan det som API:et visar den myndigheten.',
    agency: 'Myndighet',
    officer: 'Handläggare',
    'token-heading': 'Logga in med myndighetens token',
    token: 'Token (JWT)',
    'signed-in-as': 'Inloggad som',
    pages: 'Sidor',
    statistics: 'Årets siffror',
    'statistics-note': 'Antal under {threshold} personer, och antal som skulle avslöja dem, visas inte.',
    year: 'År',
    region: 'Region',
    country: 'Hela landet',
    show: 'Visa',
    suppressed: 'dold',
    'suppressed-title': 'dold: färre än {threshold} personer, eller ett antal som skulle avslöja ett sådant',
    total: 'Totalt',
    figures: 'Nyckeltal',
    'chart-label': 'Diagram över {table}; siffrorna står i tabellen under det.',
    'cooperation-supported': 'Andel brottsoffer som samarbetade, av dem som fick skydd eller stöd',
    'cooperation-not-supported': 'Andel brottsoffer som samarbetade, av dem som inte fick det',
    'investigation-days': 'Mediantid i dagar från förundersökning till utfall',
    'prison-months': 'Månader fängelse per dömd: median (spann)',
    'not-for-you': 'Siffrorna är för samordnare och revisorer.',
    'no-pages': 'Inga sidor för din myndighet ännu.',
    error: 'Något gick fel',
    worklist: 'Arbetslista',
    awaiting: 'Remisser som väntar på ert svar',
    escalated: 'Obesvarade remisser som eskalerats till er',
    'your-cases': 'Er myndighets ärenden',
    none: 'Inga.',
    case: 'Ärende',
    status: 'Status',
    municipality: 'Kommun',
    from: 'Från',
    urgency: 'Brådska',
    subject: 'Person',
    reason: 'Skäl',
    'due-by': 'Svar senast',
    overdue: 'försenad',
    answer: 'Svar',
    accept: 'Godta',
    decline: 'Avböj',
    'decline-reason': 'Skäl att avböja',
    accepted: 'Remissen i ärende {caseId} är godtagen.',
    declined: 'Remissen i ärende {caseId} är avböjd.',
    language: 'In English',
  },
};

export function language() {
  const chosen = localStorage.getItem(LANGUAGE);
  if (chosen === 'sv' || chosen === 'en') return chosen;
  return navigator.language.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

/** The word for `key` in the page's language, with `{name}` filled in from `values`. */
export function t(key, values = {}) {
  const text = WORDS[language()][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Puts the words into every element marked data-text, and the language on the page. */
export function applyWords(root = document) {
  document.documentElement.lang = language();
  for (const element of root.querySelectorAll('[data-text]')) element.textContent = t(element.dataset.text);
}

export function signIn(token) {
  sessionStorage.setItem(TOKEN, token);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  location.assign('/ui/');
}

/** The API as the signed-in agency: the body, or an Error with the problem's detail. To the sign-in page on 401. */
export async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN);
  const headers = { ...(options.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (response.status === 401 && !options.anonymous) {
    signOut();
    throw new Error(body?.detail ?? 'signed out');
  }
  if (!response.ok) throw Object.assign(new Error(body?.detail ?? `${response.status}`), { status: response.status });
  return body;
}

/** The page's header: who is signed in, the language, signing out. Returns the signed-in agency. */
export async function header() {
  const me = await api('/agencies/me');
  const bar = document.querySelector('#bar');
  bar.replaceChildren();
  const who = document.createElement('p');
  who.textContent = `${t('signed-in-as')} ${me.actorId}, ${nameOf(me)}`;
  const switchLanguage = button(t('language'), () => {
    localStorage.setItem(LANGUAGE, language() === 'sv' ? 'en' : 'sv');
    location.reload();
  });
  const out = button(t('sign-out'), signOut);
  const home = document.createElement('a');
  home.href = '/ui/home.html';
  home.textContent = t('pages');
  bar.append(who, home, switchLanguage, out);
  return me;
}

/** A registry entry's name in the page's language (names are given in Swedish and English). */
export function nameOf(entry) {
  return typeof entry.name === 'string' ? entry.name : (entry.name?.[language()] ?? entry.name?.sv ?? entry.id);
}

export function button(text, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

export function showError(error) {
  const box = document.querySelector('#error');
  box.textContent = `${t('error')}: ${error.message}`;
  box.hidden = false;
}
