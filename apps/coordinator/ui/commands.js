import { api, fieldName, language, paragraph, t, valueName } from '/ui/app.js';

// Forms for the commands the signed-in agency may send on a case: the list comes from GET /cases/:id/commands
// (the decider's own rules of who may do what, now), each body's fields from the command's request schema in
// the OpenAPI document, narrowed to the values the agency may give. The service checks every rule again when
// a form is sent; its answer, refusal or not, is shown beside the form.

/** What each command does, in both languages. */
const COMMAND_NAMES = {
  'add-agency': ['Add an agency to the team', 'Lägg till en myndighet i teamet'],
  'remove-agency': ['Remove an agency from the team', 'Ta bort en myndighet ur teamet'],
  refer: ['Refer the case to an agency', 'Remittera ärendet till en myndighet'],
  'accept-referral': ['Accept the referral', 'Godta remissen'],
  'decline-referral': ['Decline the referral', 'Avböj remissen'],
  'withdraw-referral': ['Withdraw the referral', 'Återkalla remissen'],
  'record-support': ['Record support given', 'Registrera givet stöd'],
  'record-consent': ['Record consent given or withdrawn', 'Registrera lämnat eller återkallat samtycke'],
  'apply-for-reflection-period': ['Apply for a reflection period', 'Ansök om betänketid'],
  'decide-reflection-period': ['Decide on the reflection period', 'Besluta om betänketid'],
  'extend-reflection-period': ['Extend the reflection period', 'Förläng betänketiden'],
  'record-citizenship': ['Record citizenship', 'Registrera medborgarskap'],
  'apply-for-residence-permit': ['Apply for a residence permit', 'Ansök om uppehållstillstånd'],
  'decide-residence-permit': ['Decide on the residence permit', 'Besluta om uppehållstillstånd'],
  'record-cooperation': ["Record the victim's cooperation", 'Registrera brottsoffrets samarbete'],
  'identify-victim': ['Identify the victim', 'Identifiera brottsoffret'],
  'record-child-representative': ["Record a child's representative", 'Registrera barnets företrädare'],
  'record-unaccompanied': ['Record whether the child is unaccompanied', 'Registrera om barnet är ensamkommande'],
  'open-investigation': ['Open a preliminary investigation', 'Inled förundersökning'],
  'close-investigation': ['Close the investigation', 'Avsluta förundersökningen'],
  'initiate-prosecution': ['Bring a prosecution', 'Väck åtal'],
  'record-prosecutor-decision': ["Record a prosecutor's decision", 'Registrera åklagarbeslut'],
  'record-sentencing': ['Record the judgment', 'Registrera dom'],
  'register-evidence': ['Register evidence', 'Registrera bevis'],
  'transfer-evidence': ['Transfer the evidence', 'Överlämna beviset'],
  'close-case': ["Close your agency's part of the case", 'Avsluta er myndighets del av ärendet'],
  'reopen-case': ['Reopen', 'Återöppna'],
};

export function commandName(name) {
  return COMMAND_NAMES[name]?.[language() === 'sv' ? 1 : 0] ?? name;
}

/**
 * The forms, one per command offered, each folded under its name. `describe(offer)` says what an offer's ids
 * name (the referral, the evidence); `agencyName(id)` names an agency; `recorded(message)` is called after a
 * command was recorded, with the words that say so.
 */
export async function commandForms(caseId, { describe, agencyName, recorded }) {
  const place = document.createElement('div');
  let offered;
  try {
    offered = await api(`/cases/${encodeURIComponent(caseId)}/commands`);
  } catch (error) {
    place.append(paragraph(error.message));
    return place;
  }
  if (offered.commands.length === 0) {
    place.append(paragraph(t('no-commands')));
    return place;
  }
  const document_ = await openApi();
  place.append(paragraph(t('commands-note')));
  for (const offer of offered.commands) place.append(commandForm(offer, offered.revision, document_, { describe, agencyName, recorded }));
  return place;
}

let documentPromise;
function openApi() {
  documentPromise ??= fetch('/docs/openapi.json').then((response) => response.json());
  return documentPromise;
}

let serial = 0;

function commandForm(offer, revision, doc, { describe, agencyName, recorded }) {
  const id = `command-${++serial}`;
  const details = document.createElement('details');
  details.className = 'command';
  details.dataset.command = offer.name;
  const summary = document.createElement('summary');
  const target = describe(offer);
  summary.textContent = target ? `${commandName(offer.name)}: ${target}` : commandName(offer.name);
  details.append(summary);

  const form = document.createElement('form');
  form.setAttribute('aria-label', summary.textContent);
  const schema = resolve(doc, doc.paths[offer.operation]?.post?.requestBody?.content?.['application/json']?.schema ?? {});
  const body = objectControl(schema, doc, { choices: offer.choices, agencyName, id, required: true });
  form.append(...body.elements);
  const send = document.createElement('button');
  send.type = 'submit';
  send.textContent = t('send');
  const answer = document.createElement('p');
  answer.setAttribute('role', 'status');
  answer.className = 'answer';
  form.append(send);
  details.append(form, answer);

  // One key per form shown: sending twice (a double click, a retry) records once.
  let key = crypto.randomUUID();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    send.disabled = true;
    answer.className = 'answer';
    answer.textContent = '';
    try {
      const result = await api(offer.path, { method: 'POST', body: body.read() ?? {}, headers: { 'idempotency-key': key, 'if-match': `"${revision}"` } });
      key = crypto.randomUUID();
      answer.textContent = t('recorded', { what: commandName(offer.name), revision: result.revision });
      answer.classList.add('done');
      await recorded(answer.textContent);
    } catch (error) {
      answer.textContent = `${t('refused')}: ${error.message}`;
      answer.classList.add('refused');
    } finally {
      send.disabled = false;
    }
  });
  return details;
}

function resolve(doc, schema) {
  if (!schema?.$ref) return schema ?? {};
  return (
    schema.$ref
      .split('/')
      .slice(1)
      .reduce((node, part) => node?.[part], doc) ?? {}
  );
}

/**
 * A control for a value of `schema`: its elements, and `read()`, the value as the API takes it (undefined when
 * left empty, and then left out of the body).
 */
function control(name, schema, doc, context) {
  schema = resolve(doc, schema);
  const choices = context.choices?.[name];
  if (schema.type === 'object' || schema.properties) return objectControl(schema, doc, { ...context, choices: undefined, legend: fieldName(name) });
  if (schema.type === 'array') return arrayControl(name, schema, doc, context);
  if (schema.type === 'boolean') {
    // A fact the agency may state only one way (a part, not the whole case) is not asked.
    if (choices && choices.length === 1) return { elements: [], read: () => undefined };
    return selectControl(name, schema, context, [
      [true, t('yes')],
      [false, t('no')],
    ]);
  }
  if (schema.enum || choices) {
    const values = (schema.enum ?? choices).filter((v) => !choices || choices.includes(v));
    // An agency is named by its name; any other value of a list in the page's language.
    const label = (v) => (context.agencyName(v) !== v ? context.agencyName(v) : valueName(v));
    return selectControl(
      name,
      schema,
      context,
      values.map((v) => [v, label(v)]),
    );
  }
  const dated = schema.format === 'date' || schema.oneOf?.some((s) => s.format === 'date');
  const long = (schema.maxLength ?? 0) > 200;
  const input = document.createElement(long ? 'textarea' : 'input');
  if (!long) input.type = dated ? 'date' : schema.type === 'number' || schema.type === 'integer' ? 'number' : 'text';
  if (schema.minimum !== undefined) input.min = String(schema.minimum);
  if (schema.maximum !== undefined) input.max = String(schema.maximum);
  if (schema.maxLength !== undefined) input.maxLength = schema.maxLength;
  const numeric = input.type === 'number';
  return labelled(name, schema, context, input, () => {
    const raw = input.value.trim();
    if (raw === '') return undefined;
    return numeric ? Number(raw) : raw;
  });
}

function objectControl(schema, doc, context) {
  const required = new Set(schema.required ?? []);
  const parts = Object.entries(schema.properties ?? {}).map(([key, property]) => [
    key,
    control(key, property, doc, { ...context, id: `${context.id}-${key}`, required: required.has(key), legend: undefined }),
  ]);
  const read = () => {
    const value = {};
    for (const [key, part] of parts) {
      const v = part.read();
      if (v !== undefined) value[key] = v;
    }
    return Object.keys(value).length === 0 && !context.required ? undefined : value;
  };
  const elements = parts.flatMap(([, part]) => part.elements);
  if (!context.legend) return { elements, read };
  const fieldset = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = context.legend;
  fieldset.append(legend, ...elements);
  return { elements: [fieldset], read };
}

/** A list: of values to pick (check boxes), or of records, one more added at a time. */
function arrayControl(name, schema, doc, context) {
  const items = resolve(doc, schema.items);
  const fieldset = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = fieldName(name);
  fieldset.append(legend);
  if (items.enum) {
    const boxes = items.enum.map((v) => {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = v;
      const label = document.createElement('label');
      label.className = 'choice';
      label.append(box, document.createTextNode(valueName(v)));
      fieldset.append(label);
      return box;
    });
    return {
      elements: [fieldset],
      read: () => {
        const picked = boxes.filter((b) => b.checked).map((b) => b.value);
        return picked.length === 0 && !context.required ? undefined : picked;
      },
    };
  }
  const records = [];
  const add = () => {
    const record = objectControl(items, doc, {
      ...context,
      id: `${context.id}-${records.length}`,
      required: true,
      legend: `${fieldName(name)} ${records.length + 1}`,
    });
    records.push(record);
    more.before(...record.elements);
  };
  const more = document.createElement('button');
  more.type = 'button';
  more.textContent = t('add-another');
  more.addEventListener('click', add);
  fieldset.append(more);
  add();
  return { elements: [fieldset], read: () => records.map((r) => r.read()) };
}

function selectControl(name, schema, context, options) {
  const select = document.createElement('select');
  const empty = document.createElement('option');
  empty.value = '';
  empty.textContent = t('choose');
  select.append(empty);
  options.forEach(([, text], index) => {
    const option = document.createElement('option');
    option.value = String(index);
    option.textContent = text;
    select.append(option);
  });
  return labelled(name, schema, context, select, () => (select.value === '' ? undefined : options[Number(select.value)][0]));
}

function labelled(name, schema, context, input, read) {
  input.name = name;
  input.id = context.id;
  input.required = Boolean(context.required);
  const label = document.createElement('label');
  label.htmlFor = input.id;
  label.className = input.tagName === 'TEXTAREA' ? 'wide' : '';
  const words = document.createElement('span');
  words.textContent = context.required ? fieldName(name) : `${fieldName(name)} (${t('optional')})`;
  label.append(words, input);
  if (schema.description) {
    const hint = document.createElement('small');
    hint.id = `${input.id}-hint`;
    hint.textContent = schema.description;
    input.setAttribute('aria-describedby', hint.id);
    label.append(hint);
  }
  return { elements: [label], read };
}
