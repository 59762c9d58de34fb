// What every page shares: the signed-in person's token, the API called with it, and the words in Swedish and English.

const TOKEN = 'samverkan.token';
const LANGUAGE = 'samverkan.language';

const WORDS = {
  en: {
    'sign-in': 'Sign in',
    'sign-out': 'Sign out',
    'dev-heading': 'Development service: sign in as an agency officer',
    'dev-note': 'This service signs tokens with development keys. Pick an agency and an officer; the pages then show what the API shows that agency.',
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
    'case-heading': 'Case {caseId}',
    'case-id': 'Case id',
    open: 'Open',
    'open-case': 'Open a case',
    lead: 'Lead agency',
    team: 'Team',
    'victim-status': 'Victim status',
    exploitation: 'Exploitation',
    'opened-at': 'Opened',
    'as-of': 'Replay the case',
    'as-of-revision': 'As of revision',
    'as-of-time': 'As of a time',
    'as-of-now': 'As it stands now',
    'shown-as-of': 'Shown as of revision {revision} (recorded {at}).',
    'shown-now': 'Shown as it stands now: revision {revision}.',
    timeline: 'Timeline',
    'timeline-note': 'One column per agency; a referral is an arrow from the referring agency to the one it is addressed to.',
    revision: 'Revision',
    when: 'Recorded',
    'no-events': 'No events your agency may see up to this point.',
    withheld: 'withheld from your agency: {fields}',
    'by-actor': 'by {actor}',
    service: 'The service (automatic)',
    verification: 'Verification in this browser',
    'verification-note':
      "Each event's hash is recomputed here from the event as stored, and its inclusion proof walked to the root of a checkpoint signed with the ledger's key; nothing the server says about it is taken on trust.",
    verified: 'verified',
    'proven-by-hash': 'in the ledger by its hash (content withheld from your agency; an auditor can check it)',
    failed: 'FAILED verification',
    'not-checked': 'not checked',
    'verification-summary': '{verified} verified, {hashOnly} in the ledger by hash alone, {failed} failed, against checkpoint {size} of {origin}.',
    'consistent-with-latest': 'That checkpoint is consistent with the latest signed checkpoint ({latest} events), checked here.',
    'ledger-key': 'Ledger key',
    'key-changed': 'The ledger key is not the one this browser first saw ({seen}): nothing is shown as verified. Ask your auditors.',
    'verification-failed': 'Verification could not be done: {problem}',
    commands: 'Record on this case',
    send: 'Record',
    recorded: '{what}: recorded (revision {revision}).',
    'commands-note':
      'Only what your agency may record on the case as it stands now is offered; the service checks every rule again when you send it, and says why if it refuses.',
    'no-commands': 'Your agency has nothing to record on this case now.',
    'auditor-commands': 'Auditors read the record; they record nothing on it.',
    refused: 'Not recorded',
    yes: 'Yes',
    no: 'No',
    choose: '— choose —',
    optional: 'optional',
    'add-another': 'Add another',
    audit: 'Audit',
    'case-summary': 'The case',
    'part-closed': 'its part closed',
    'audit-note': 'Everything below is checked in this browser with the ledger key it first saw; the server is not trusted.',
    checkpoints: 'Signed checkpoints',
    size: 'Events',
    root: 'Root',
    'signed-at': 'Signed',
    consistency: 'Consistency between two checkpoints',
    older: 'Older checkpoint',
    newer: 'Newer checkpoint',
    check: 'Check',
    consistent: 'The checkpoint of {newer} events extends the one of {older}: the log only grew between them (checked here).',
    inclusion: 'Inclusion of an event',
    'event-id': 'Event id',
    included: 'Event {eventId} (hash {hash}) is leaf {leafIndex} of the signed checkpoint of {size} events (checked here).',
    export: 'Export of the whole ledger',
    'export-note': 'The log as NDJSON in leaf order, for samverkan-audit verify-log.',
    download: 'Download the export',
    'export-ready': 'The export of {size} events is ready: {link}.',
    'access-log': 'Access log of a case',
    view: 'View',
    outcome: 'Outcome',
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
    'case-heading': 'Ärende {caseId}',
    'case-id': 'Ärende-id',
    open: 'Öppna',
    'open-case': 'Öppna ett ärende',
    lead: 'Ansvarig myndighet',
    team: 'Team',
    'victim-status': 'Status som brottsoffer',
    exploitation: 'Exploatering',
    'opened-at': 'Öppnat',
    'as-of': 'Spela upp ärendet',
    'as-of-revision': 'Per revision',
    'as-of-time': 'Per tidpunkt',
    'as-of-now': 'Som det är nu',
    'shown-as-of': 'Visas per revision {revision} (registrerad {at}).',
    'shown-now': 'Visas som det är nu: revision {revision}.',
    timeline: 'Tidslinje',
    'timeline-note': 'En kolumn per myndighet; en remiss är en pil från myndigheten som remitterar till den som tar emot.',
    revision: 'Revision',
    when: 'Registrerad',
    'no-events': 'Inga händelser som er myndighet får se fram till denna punkt.',
    withheld: 'undanhållet från er myndighet: {fields}',
    'by-actor': 'av {actor}',
    service: 'Tjänsten (automatiskt)',
    verification: 'Kontroll i denna webbläsare',
    'verification-note':
      'Varje händelses hash räknas om här från händelsen som den är lagrad, och dess inklusionsbevis följs till roten i en kontrollpunkt signerad med liggarens nyckel; inget som servern säger om den tas på tro.',
    verified: 'kontrollerad',
    'proven-by-hash': 'i liggaren genom sin hash (innehållet undanhålls er myndighet; en revisor kan kontrollera det)',
    failed: 'KONTROLLEN MISSLYCKADES',
    'not-checked': 'inte kontrollerad',
    'verification-summary': '{verified} kontrollerade, {hashOnly} i liggaren enbart genom hash, {failed} misslyckade, mot kontrollpunkt {size} av {origin}.',
    'consistent-with-latest': 'Den kontrollpunkten stämmer med den senaste signerade kontrollpunkten ({latest} händelser), kontrollerat här.',
    'ledger-key': 'Liggarens nyckel',
    'key-changed': 'Liggarens nyckel är inte den som denna webbläsare först såg ({seen}): inget visas som kontrollerat. Fråga era revisorer.',
    'verification-failed': 'Kontrollen kunde inte göras: {problem}',
    commands: 'Registrera i ärendet',
    send: 'Registrera',
    recorded: '{what}: registrerat (revision {revision}).',
    'commands-note':
      'Bara det som er myndighet får registrera i ärendet som det står nu erbjuds; tjänsten prövar varje regel igen när ni skickar, och säger varför om den vägrar.',
    'no-commands': 'Er myndighet har inget att registrera i ärendet nu.',
    'auditor-commands': 'Granskare läser registret; de registrerar inget i det.',
    refused: 'Inte registrerat',
    yes: 'Ja',
    no: 'Nej',
    choose: '— välj —',
    optional: 'frivilligt',
    'add-another': 'Lägg till en till',
    audit: 'Granskning',
    'case-summary': 'Ärendet',
    'part-closed': 'dess del avslutad',
    'audit-note': 'Allt nedan kontrolleras i denna webbläsare med den nyckel till liggaren som den först såg; servern litas inte på.',
    checkpoints: 'Signerade kontrollpunkter',
    size: 'Händelser',
    root: 'Rot',
    'signed-at': 'Signerad',
    consistency: 'Samstämmighet mellan två kontrollpunkter',
    older: 'Äldre kontrollpunkt',
    newer: 'Nyare kontrollpunkt',
    check: 'Kontrollera',
    consistent: 'Kontrollpunkten med {newer} händelser bygger vidare på den med {older}: liggaren har bara vuxit mellan dem (kontrollerat här).',
    inclusion: 'Inklusion av en händelse',
    'event-id': 'Händelse-id',
    included: 'Händelse {eventId} (hash {hash}) är löv {leafIndex} i den signerade kontrollpunkten med {size} händelser (kontrollerat här).',
    export: 'Export av hela liggaren',
    'export-note': 'Liggaren som NDJSON i lövordning, för samverkan-audit verify-log.',
    download: 'Ladda ned exporten',
    'export-ready': 'Exporten med {size} händelser är klar: {link}.',
    'access-log': 'Åtkomstlogg för ett ärende',
    view: 'Vy',
    outcome: 'Utfall',
    language: 'In English',
  },
};

/** What each event records, in both languages. */
const EVENT_NAMES = {
  CaseOpened: ['Case opened', 'Ärende öppnat'],
  CaseClosed: ['Case closed', 'Ärende avslutat'],
  CaseReopened: ['Case reopened', 'Ärende återöppnat'],
  AgencyJoinedCase: ['Agency joined the case', 'Myndighet anslöt till ärendet'],
  AgencyLeftCase: ['Agency left the case', 'Myndighet lämnade ärendet'],
  AgencyPartClosed: ["Agency's part closed", 'Myndighetens del avslutad'],
  AgencyPartReopened: ["Agency's part reopened", 'Myndighetens del återöppnad'],
  CaseReferred: ['Case referred', 'Ärende remitterat'],
  ReferralAccepted: ['Referral accepted', 'Remiss godtagen'],
  ReferralDeclined: ['Referral declined', 'Remiss avböjd'],
  ReferralWithdrawn: ['Referral withdrawn', 'Remiss återkallad'],
  ReferralEscalated: ['Unanswered referral escalated', 'Obesvarad remiss eskalerad'],
  ConsentGiven: ['Consent given', 'Samtycke lämnat'],
  ConsentWithdrawn: ['Consent withdrawn', 'Samtycke återkallat'],
  SupportProvided: ['Support provided', 'Stöd givet'],
  ReflectionPeriodGranted: ['Reflection period granted', 'Betänketid beviljad'],
  ReflectionPeriodApplied: ['Reflection period applied for', 'Betänketid ansökt'],
  ReflectionPeriodDecided: ['Reflection period decided', 'Betänketid beslutad'],
  ReflectionPeriodExtended: ['Reflection period extended', 'Betänketid förlängd'],
  SubjectCitizenshipRecorded: ['Citizenship recorded', 'Medborgarskap registrerat'],
  VictimIdentified: ['Victim identified', 'Brottsoffer identifierat'],
  ChildRepresentativeRecorded: ["Child's representative recorded", 'Barnets företrädare registrerad'],
  ChildUnaccompaniedRecorded: ['Child recorded as unaccompanied', 'Barn registrerat som ensamkommande'],
  ResidencePermitApplied: ['Residence permit applied for', 'Uppehållstillstånd ansökt'],
  ResidencePermitDecided: ['Residence permit decided', 'Uppehållstillstånd beslutat'],
  VictimCooperationRecorded: ["Victim's cooperation recorded", 'Brottsoffrets samarbete registrerat'],
  InvestigationOpened: ['Investigation opened', 'Förundersökning inledd'],
  InvestigationClosed: ['Investigation closed', 'Förundersökning avslutad'],
  ProsecutionInitiated: ['Prosecution brought', 'Åtal väckt'],
  SentencingOutcomeRecorded: ['Judgment recorded', 'Dom registrerad'],
  ProsecutorDecisionRecorded: ["Prosecutor's decision recorded", 'Åklagarbeslut registrerat'],
  EvidenceRegistered: ['Evidence registered', 'Bevis registrerat'],
  EvidenceTransferred: ['Evidence transferred', 'Bevis överlämnat'],
};

/** The names of fields of commands and events, in both languages. */
const FIELD_NAMES = {
  agencyId: ['Agency', 'Myndighet'],
  agencyKind: ['Kind of agency', 'Typ av myndighet'],
  reason: ['Reason', 'Skäl'],
  toAgency: ['To agency', 'Till myndighet'],
  fromAgency: ['From agency', 'Från myndighet'],
  urgency: ['Urgency', 'Brådska'],
  dueBy: ['Due by', 'Senast'],
  kind: ['Kind', 'Slag'],
  providedOn: ['Given on', 'Givet den'],
  providedBy: ['Given by', 'Givet av'],
  scope: ['Scope', 'Omfattning'],
  given: ['Given (no: withdrawn)', 'Lämnat (nej: återkallat)'],
  by: ['By', 'Av'],
  on: ['On', 'Den'],
  granted: ['Granted', 'Beviljat'],
  until: ['Until', 'Till och med'],
  from: ['From', 'Från'],
  citizenship: ['Citizenship', 'Medborgarskap'],
  presenceNeeded: ['Presence in Sweden needed', 'Närvaro i Sverige behövs'],
  willToCooperate: ['Will to cooperate shown', 'Vilja att samarbeta visad'],
  tiesBroken: ['Ties with the suspects broken', 'Kontakterna med de misstänkta brutna'],
  status: ['Status', 'Status'],
  role: ['Role', 'Roll'],
  personId: ['Person record', 'Personpost'],
  appointedOn: ['Appointed on', 'Förordnad den'],
  unaccompanied: ['Unaccompanied', 'Ensamkommande'],
  reference: ['Reference (diary number)', 'Diarienummer'],
  outcome: ['Outcome', 'Utfall'],
  defendants: ['Defendant', 'Tilltalad'],
  charges: ['Charges', 'Åtalspunkter'],
  decision: ['Decision', 'Beslut'],
  suspectId: ['Suspect', 'Misstänkt'],
  offences: ['Offences', 'Brott'],
  sentence: ['Sentence', 'Påföljd'],
  months: ['Months', 'Månader'],
  decidedOn: ['Decided on', 'Beslutat den'],
  decidedBy: ['Decided by', 'Beslutat av'],
  defendantId: ['Defendant', 'Tilltalad'],
  court: ['Court', 'Domstol'],
  verdict: ['Verdict', 'Domslut'],
  expulsion: ['Expulsion', 'Utvisning'],
  damagesToVictimSek: ['Damages to the victim (SEK)', 'Skadestånd till brottsoffret (kr)'],
  appealed: ['Appealed', 'Överklagad'],
  description: ['Description', 'Beskrivning'],
  contentSha256: ['SHA-256 of the content', 'Innehållets SHA-256'],
  wholeCase: ['The whole case', 'Hela ärendet'],
  referralId: ['Referral', 'Remiss'],
  evidenceId: ['Evidence', 'Bevis'],
  investigationId: ['Investigation', 'Förundersökning'],
  applicationId: ['Application', 'Ansökan'],
  supportId: ['Support', 'Stöd'],
  recordedBy: ['Recorded by', 'Registrerat av'],
  appliedBy: ['Applied for by', 'Ansökt av'],
  addedBy: ['Added by', 'Tillagd av'],
  closedBy: ['Closed by', 'Avslutat av'],
  reopenedBy: ['Reopened by', 'Återöppnat av'],
  removedBy: ['Removed by', 'Borttagen av'],
  via: ['Via', 'Via'],
  subject: ['Subject', 'Person'],
  category: ['Category', 'Kategori'],
  ageGroup: ['Age group', 'Åldersgrupp'],
  gender: ['Gender', 'Kön'],
  originCountry: ['Country of origin', 'Ursprungsland'],
  originRegion: ['Region of origin', 'Ursprungsregion'],
  municipality: ['Municipality', 'Kommun'],
  city: ['Municipality', 'Kommun'],
  exploitation: ['Exploitation', 'Exploatering'],
  contact: ['Contact', 'Kontakt'],
  summary: ['Summary', 'Sammanfattning'],
  holder: ['Held by', 'Innehas av'],
  automatic: ['Automatic', 'Automatisk'],
};

/** A field's name in the page's language; one this page does not know, as words (camelCase split). */
export function fieldName(key) {
  const known = FIELD_NAMES[key];
  if (known) return known[language() === 'sv' ? 1 : 0];
  const text = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The values of the record's lists (kinds of support, offences, outcomes) in Swedish; in English they read as written. */
const VALUES_SV = {
  victim: 'brottsoffer',
  'sex-seller': 'person som säljer sex',
  'sex-buyer': 'sexköpare',
  'relative-of-victim': 'anhörig till brottsoffer',
  'relative-of-sex-seller': 'anhörig till person som säljer sex',
  'relative-of-sex-buyer': 'anhörig till sexköpare',
  child: 'barn',
  adult: 'vuxen',
  unknown: 'okänt',
  female: 'kvinna',
  male: 'man',
  other: 'annat',
  sweden: 'Sverige',
  baltic: 'Baltikum',
  'eastern-europe': 'Östeuropa',
  'west-africa': 'Västafrika',
  'sexual-exploitation': 'sexuell exploatering',
  'forced-labour': 'tvångsarbete',
  begging: 'tiggeri',
  'criminal-activity': 'brottslig verksamhet',
  'organ-removal': 'avlägsnande av organ',
  routine: 'rutin',
  urgent: 'brådskande',
  immediate: 'omedelbar',
  'health-care': 'hälso- och sjukvård',
  psychological: 'psykologiskt stöd',
  shelter: 'skyddat boende',
  protection: 'skydd',
  'legal-counsel': 'juridiskt biträde',
  'counselling-individual': 'enskilda stödsamtal',
  'counselling-group': 'stödsamtal i grupp',
  outreach: 'uppsökande arbete',
  referral: 'kom eller hänvisades',
  'return-assistance': 'stöd vid återvändande',
  interpreter: 'tolk',
  'financial-aid': 'ekonomiskt bistånd',
  education: 'utbildning',
  willing: 'villig',
  'statement-given': 'har lämnat uppgifter',
  declined: 'avböjt',
  withdrawn: 'återkallat',
  'handed-to-prosecutor': 'överlämnad till åklagare',
  'charges-filed': 'åtal väckt',
  discontinued: 'nedlagd',
  'no-crime-established': 'brott kunde inte styrkas',
  'trafficking-in-human-beings': 'människohandel',
  'attempted-trafficking-in-human-beings': 'försök till människohandel',
  procuring: 'koppleri',
  'gross-procuring': 'grovt koppleri',
  'purchase-of-sexual-service': 'köp av sexuell tjänst',
  'purchase-of-sexual-act-from-child': 'köp av sexuell handling av barn',
  'human-exploitation': 'människoexploatering',
  'gross-human-exploitation': 'grov människoexploatering',
  'preparation-for-trafficking-in-human-beings': 'förberedelse till människohandel',
  convicted: 'fälld',
  acquitted: 'frikänd',
  dismissed: 'avskriven',
  prison: 'fängelse',
  fine: 'böter',
  probation: 'skyddstillsyn',
  suspended: 'villkorlig dom',
  'share-with-migration': 'delas med Migrationsverket',
  'share-with-social-services': 'delas med socialtjänsten',
  'share-health-details': 'hälsouppgifter delas',
  'share-with-health-care': 'delas med hälso- och sjukvården',
  'share-with-ngo': 'delas med ideell organisation',
  'share-with-counsel': 'delas med målsägandebiträde',
  person: 'personen själv',
  guardian: 'vårdnadshavare',
  'special-representative': 'särskild företrädare',
  'god-man': 'god man',
  'summary-penalty-order': 'strafföreläggande',
  'waiver-of-prosecution': 'åtalsunderlåtelse',
  presumed: 'förmodat',
  identified: 'identifierat',
  open: 'öppet',
  closed: 'avslutat',
};

/** A value of one of the record's lists in the page's language; any other text as it is. */
export function valueName(value) {
  const text = String(value);
  if (!(text in VALUES_SV)) return text;
  return language() === 'sv' ? VALUES_SV[text] : text.replace(/-/g, ' ');
}

/** The name of an event type in the page's language (the type itself for one this page does not know). */
export function eventName(type) {
  return EVENT_NAMES[type]?.[language() === 'sv' ? 1 : 0] ?? type;
}

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

/** A GET of the API as the signed-in agency, answered with a problem's detail as an Error. */
export async function apiResponse(path) {
  const token = sessionStorage.getItem(TOKEN);
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const text = await response.text();
    throw Object.assign(new Error(text.startsWith('{') ? (JSON.parse(text).detail ?? text) : `${response.status}`), { status: response.status });
  }
  return response;
}

/** A text/plain answer of the API as the signed-in agency (signed notes, the ledger key). */
export async function apiText(path) {
  return (await apiResponse(path)).text();
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

/** A time as the page's language writes it. */
export function when(iso) {
  return new Date(iso).toLocaleString(document.documentElement.lang);
}

export function headerCell(text, scope) {
  const th = document.createElement('th');
  th.scope = scope;
  th.textContent = text;
  return th;
}

/** A table with a header row; each cell is text or an element. */
export function tableOf(headings, rows) {
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const text of headings) head.append(headerCell(text, 'col'));
  const body = table.createTBody();
  for (const cells of rows) {
    const tr = body.insertRow();
    for (const content of cells) tr.insertCell().append(content);
  }
  return table;
}

export function paragraph(text, className) {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

export function showError(error) {
  const box = document.querySelector('#error');
  box.textContent = `${t('error')}: ${error.message}`;
  box.hidden = false;
}
